/* SEMANTICS 3 + 4 + 9: twin of 601-completion-queued-from-completion-waits.js */
#include "twin.h"
static tick_pool_t *pool;
static void p(tick_loop_t *l, void *a){(void)l;say(a);}
static void work(void *a){(void)a;}
static void done2(tick_loop_t *l, int status, void *a){
  (void)a;twin_check(status,"done2");say("done2");
  tick_queue_microtask(l,p,"micro2");
  tick_set_immediate(l,p,"immediate2",NULL);
}
static void done1(tick_loop_t *l, int status, void *a){
  (void)a;twin_check(status,"done1");say("done1");
  twin_check(tick_work_queue(l,pool,work,done2,NULL,NULL),"tick_work_queue");
  tick_set_immediate(l,p,"immediate1",NULL);
  tick_queue_microtask(l,p,"micro1");
}
static void on_exit_hook(tick_loop_t *l, void *a){(void)l;(void)a;twin_check(tick_pool_destroy(pool),"tick_pool_destroy");}
static void main_script(tick_loop_t *loop){
  twin_check(tick_pool_create(&pool,4),"tick_pool_create");
  twin_check(tick_loop_set_exit(loop,on_exit_hook,NULL),"set_exit");
  twin_check(tick_work_queue(loop,pool,work,done1,NULL,NULL),"tick_work_queue");
}
