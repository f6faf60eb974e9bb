// SEMANTICS 6: the executor runs synchronously, a throw in it rejects the promise, and a promise settles once.
new Promise(() => { console.log('executor 1'); throw 'boom'; }).catch((e) => console.log('caught', e));
new Promise((res) => { console.log('executor 2'); res('ok'); throw 'ignored'; })
  .then((v) => console.log('fulfilled', v), (e) => console.log('never', e));
new Promise((res, rej) => { res('first'); rej('second'); res('third'); }).then((v) => console.log('settled once', v));
new Promise((res, rej) => { rej('first'); res('second'); }).catch((e) => console.log('rejected once', e));
console.log('sync end');
