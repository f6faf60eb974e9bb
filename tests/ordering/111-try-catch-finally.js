// SEMANTICS 7: try/catch/finally around awaits: the function's cleanup runs before its promise settles.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function f(fail) {
  try {
    console.log('try', fail);
    await (fail ? Promise.reject('err') : 'ok');
    console.log('after await', fail);
    return 'result';
  } catch (e) {
    console.log('catch', e);
    await 'in catch';
    return 'recovered';
  } finally {
    console.log('finally', fail);
  }
}
f(false).then((v) => console.log('settled', v));
f(true).then((v) => console.log('settled', v));
console.log('sync end');
