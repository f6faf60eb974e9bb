// SEMANTICS 5.4-5.5: an interval can clear itself from its own callback; it then never runs again.
let n = 0;
const iv = setInterval(() => {
  n++;
  console.log('interval ' + n);
  if (n === 3) {
    clearInterval(iv);
    console.log('cleared');
  }
}, 1);
