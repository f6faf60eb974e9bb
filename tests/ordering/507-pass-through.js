// SEMANTICS 6: a non-function handler passes the value through and still costs one turn.
let left = 5, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
Promise.resolve('v').then().then((v) => console.log('passed', v));
Promise.resolve('v').then((x) => x).then((v) => console.log('function', v));
Promise.reject('r').then((v) => console.log('never', v)).catch((e) => console.log('passed reason', e));
Promise.reject('r').catch((e) => console.log('caught directly', e));
Promise.resolve('w').catch(() => console.log('never')).then().then((v) => console.log('two pass-throughs', v));
