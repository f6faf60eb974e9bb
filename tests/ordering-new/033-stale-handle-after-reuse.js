// SEMANTICS 5.5: clearing a fired timer or immediate is a no-op even after new ones were created (the old handle must not name them).
let first = null, firstImmediate = null;
first = setTimeout(() => {
  console.log('timer 1');
  setTimeout(() => console.log('timer 2 runs'), 1);
  clearTimeout(first);
  firstImmediate = setImmediate(() => {
    console.log('immediate 1');
    setImmediate(() => console.log('immediate 2 runs'));
    clearImmediate(firstImmediate);
  });
}, 1);
