# tick-async.py - gdb commands for tick's async functions (docs/async.md, "Debugging").
#
#   (gdb) source tools/gdb/tick-async.py
#   (gdb) tick-async-bt CO        backtrace of the suspended async function CO
#   (gdb) tick-async-list LOOP    the async functions of LOOP that have not ended
#
# A suspended async function's context is three words (src/async/coro.h): its stack
# pointer, the address it continues at and its frame pointer (ctx.sp, ctx.pc, ctx.fp); the
# other registers are where its functions' unwind information says. The backtrace command
# points the current thread's stack pointer, frame pointer and program counter there,
# prints the backtrace and puts them back. Only for the hand-written switch
# (a build with TICK_CORO_UCONTEXT=1 keeps a ucontext_t instead) and a live process.
import gdb


def _arch():
    return gdb.selected_frame().architecture().name()


class TickAsyncBt(gdb.Command):
    """Backtrace of a suspended tick async function: tick-async-bt CO."""

    def __init__(self):
        super().__init__("tick-async-bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        co = gdb.parse_and_eval(arg)
        if int(co["ended"]) != 0:
            raise gdb.GdbError("this async function has ended")
        sp = int(co["ctx"]["sp"].cast(gdb.lookup_type("unsigned long")))
        if sp == 0:
            raise gdb.GdbError("no saved stack pointer (running now, or a ucontext build)")
        # Registers are read and written in the innermost frame: in an outer one, gdb
        # would write the saved copies in memory instead.
        selected = gdb.selected_frame()
        gdb.newest_frame().select()
        pc = int(co["ctx"]["pc"].cast(gdb.lookup_type("unsigned long")))
        fp = int(co["ctx"]["fp"].cast(gdb.lookup_type("unsigned long")))
        if "aarch64" in _arch():
            regs = {"$x29": fp, "$pc": pc, "$sp": sp}
            keep = ["$x29", "$pc", "$sp"]
        else:
            regs = {"$rbp": fp, "$pc": pc, "$sp": sp}
            keep = ["$rbp", "$pc", "$sp"]
        old = {r: int(gdb.parse_and_eval(r).cast(gdb.lookup_type("unsigned long")))
               for r in keep}
        try:
            for r in keep:
                gdb.execute("set %s = %d" % (r, int(regs[r])), to_string=True)
            gdb.execute("backtrace", from_tty)
        finally:
            for r in keep:
                gdb.execute("set %s = %d" % (r, old[r]), to_string=True)
            gdb.invalidate_cached_frames()
            try:
                selected.select()
            except gdb.error:
                pass


class TickAsyncList(gdb.Command):
    """List the async functions of a loop that have not ended: tick-async-list LOOP."""

    def __init__(self):
        super().__init__("tick-async-list", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        loop = gdb.parse_and_eval(arg)
        mod = loop["module_state"][int(gdb.parse_and_eval("TICK__MODULE_ASYNC"))]
        if int(mod) == 0:
            print("no async function was ever started on this loop")
            return
        mod = mod.cast(gdb.lookup_type("struct async_module_s").pointer())
        co = mod["live"]
        while int(co) != 0:
            state = "running" if int(co) == int(mod["current"]) else (
                "waiting" if int(co["wait"]) != 0 else "suspended")
            print("(tick_async_t *) %s  %s  fn=%s" % (hex(int(co)), state, co["fn"]))
            co = co["next"]


TickAsyncBt()
TickAsyncList()
