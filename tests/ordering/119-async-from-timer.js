// SEMANTICS 3 and 7: an async function started in a timer callback resumes in the drain after that callback, before the next timer.
setTimeout(() => {
  console.log('timer 1');
  (async () => {
    console.log('async start');
    await null;
    console.log('async resumed');
    await null;
    console.log('async resumed again');
  })();
  console.log('timer 1 end');
}, 1);
setTimeout(() => console.log('timer 2'), 1);
