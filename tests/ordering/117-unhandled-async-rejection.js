// SEMANTICS 6-7: an async function's rejected promise that nobody handles is reported after the drain; a later catch makes it handled late.
process.on('unhandledRejection', (reason) => console.log('unhandledRejection', reason));
process.on('rejectionHandled', () => console.log('rejectionHandled'));
async function fails(label) { await null; throw label; }
fails('nobody');
const p = fails('later');
setImmediate(() => { p.catch((e) => console.log('caught late', e)); });
async function caught() { try { await fails('inner'); } catch (e) { console.log('caught', e); } }
caught();
console.log('sync end');
