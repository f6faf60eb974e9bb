// SEMANTICS 7: await inside for and while loops: one turn per iteration, loop state kept across awaits.
async function sum(label, n) {
  let total = 0;
  for (let i = 1; i <= n; i++) total += await i;
  let j = 0;
  while (j < 2) { await null; j++; console.log(label, 'while', j); }
  console.log(label, 'total', total);
  return total;
}
sum('a', 3).then((t) => console.log('a settled', t));
sum('b', 1).then((t) => console.log('b settled', t));
console.log('sync end');
