// SEMANTICS 3 and 7: a promise resolved from a next-tick wakes its awaiter in the same drain, after the remaining ticks.
let r1;
const p1 = new Promise((r) => { r1 = r; });
async function f() { console.log('f waits'); const v = await p1; console.log('f got', v); }
f();
process.nextTick(() => { console.log('tick resolves'); r1('from tick'); process.nextTick(() => console.log('tick 2')); });
queueMicrotask(() => console.log('microtask 1'));
console.log('sync end');
