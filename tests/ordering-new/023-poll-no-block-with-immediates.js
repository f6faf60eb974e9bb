// SEMANTICS 4.4: the poll phase does not block while immediates are pending: five iterations of immediates run before a 50 ms timer.
setTimeout(() => console.log('timer 50'), 50);
let n = 0;
function next() {
  n++;
  console.log('immediate ' + n);
  if (n < 5) setImmediate(next);
}
setImmediate(next);
