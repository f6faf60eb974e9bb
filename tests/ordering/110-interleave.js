// SEMANTICS 7: several async functions interleave one await per turn, in the order they were suspended.
async function worker(name, steps) {
  for (let i = 0; i < steps; i++) {
    console.log(name, 'step', i);
    await i;
  }
  console.log(name, 'done');
}
worker('A', 3);
worker('B', 2);
worker('C', 4);
console.log('sync end');
