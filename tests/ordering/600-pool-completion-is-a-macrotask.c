/* SEMANTICS 3 + 4 + 9: twin of 600-pool-completion-is-a-macrotask.js */
#include "twin.h"
static tick_pool_t *pool;
static void p(tick_loop_t *l, void *a){(void)l;say(a);}
static void pt(tick_loop_t *l, tick_timer_t t, void *a){(void)l;(void)t;say(a);}
static void imm(tick_loop_t *l, void *a){(void)a;say("immediate");tick_next_tick(l,p,"tick-from-immediate");}
static void work(void *a){(void)a;}
static void done(tick_loop_t *l, int status, void *a){
  (void)a;twin_check(status,"done");say("done");
  tick_set_timeout(l,0,pt,"timeout",NULL);
  tick_set_immediate(l,imm,NULL,NULL);
  tick_queue_microtask(l,p,"micro");
  tick_next_tick(l,p,"tick");
}
static void on_exit_hook(tick_loop_t *l, void *a){(void)l;(void)a;twin_check(tick_pool_destroy(pool),"tick_pool_destroy");}
static void main_script(tick_loop_t *loop){
  twin_check(tick_pool_create(&pool,4),"tick_pool_create");
  twin_check(tick_loop_set_exit(loop,on_exit_hook,NULL),"set_exit");
  twin_check(tick_work_queue(loop,pool,work,done,NULL,NULL),"tick_work_queue");
}
