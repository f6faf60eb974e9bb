// SEMANTICS 5.7: arguments given at creation reach the callback (timers and immediates).
function show(what) { console.log('got ' + what); }
setTimeout((what) => {
  show(what);
  setImmediate(show, 'immediate argument');
}, 1, 'timer argument');
