// SEMANTICS 6: a foreign thenable that calls back several times, or throws after calling back: the first call wins.
const t1 = { then(res, rej) { res('first'); res('second'); rej('third'); } };
const t2 = { then(res, rej) { rej('no'); res('yes'); } };
const t3 = { then(res) { res('kept'); throw 'ignored'; } };
const t4 = { then() { throw 'thrown'; } };
const t5 = { then(res, rej) { setImmediate(() => { res('async'); rej('again'); }); } };
const t6 = { then(res) { res(t1); res('too late'); } };
for (const [name, t] of [['t1', t1], ['t2', t2], ['t3', t3], ['t4', t4], ['t5', t5], ['t6', t6]]) {
  Promise.resolve(t).then((v) => console.log(name, 'fulfilled', v), (e) => console.log(name, 'rejected', e));
}
