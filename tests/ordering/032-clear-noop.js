// SEMANTICS 5.5: clearing a timer or immediate that has fired or was cleared, or a null handle, does nothing.
let t = null, i = null;
t = setTimeout(() => {
  console.log('timer');
  clearTimeout(t);
  console.log('clear itself while running: ok');
  i = setImmediate(() => {
    console.log('immediate');
    setImmediate(() => {
      clearTimeout(t);
      console.log('clear fired timer: ok');
      clearImmediate(i);
      console.log('clear fired immediate: ok');
      const u = setTimeout(() => console.log('never'), 1);
      clearTimeout(u);
      clearTimeout(u);
      console.log('clear twice: ok');
      clearTimeout(null);
      clearImmediate(null);
      console.log('clear null: ok');
    });
  });
}, 1);
