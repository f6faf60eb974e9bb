// SEMANTICS 5.3: timers with equal deadlines fire in creation order.
for (let i = 1; i <= 8; i++) setTimeout(() => console.log('timer ' + i), 10);
