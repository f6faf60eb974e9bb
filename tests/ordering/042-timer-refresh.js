// SEMANTICS 5.2 (refresh): refresh restarts a timer's countdown from now with the same delay.
const a = setTimeout(() => console.log('timer A, 100 ms from its refresh'), 100);
setTimeout(() => {
  console.log('timer B refreshes A');
  a.refresh();
}, 10);
setTimeout(() => console.log('timer C 60'), 60);
