// SEMANTICS 3 and 4: multi-level nesting: microtask -> immediates -> tick -> timer -> microtask -> tick -> immediate and timer -> ...
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
queueMicrotask(() => {
  console.log('microtask 0 from main');
  setImmediate(() => {
    console.log('immediate 1a');
    process.nextTick(() => {
      console.log('tick 2 from immediate 1a');
      setTimeout(() => {
        console.log('timer 3 from tick 2');
        queueMicrotask(() => {
          console.log('microtask 4 from timer 3');
          process.nextTick(() => {
            console.log('tick 5 from microtask 4');
            setTimeout(() => {
              console.log('timer 6b from tick 5');
              process.nextTick(() => console.log('tick 7 from timer 6b'));
            }, 0);
            setImmediate(() => {
              console.log('immediate 6a from tick 5');
              queueMicrotask(() => console.log('microtask 7 from immediate 6a'));
            });
          });
        });
      }, 1);
      busyWait(3);
    });
  });
  setImmediate(() => {
    console.log('immediate 1b');
    queueMicrotask(() => console.log('microtask 2 from immediate 1b'));
  });
});
