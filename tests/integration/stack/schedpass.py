"""One scheduler pass in the Lambda emulator, as the fleet-wide tests run it.

The executor and the scheduler functions come from one task root (the scheduler
hands work to the executor by name); a scheduled event starts the pass and the
emulator runs every invocation it leads to before the pass returns.
"""

import importlib
import json

emulator = importlib.import_module("tests.integration.lambda.emulator")


def add_functions(emu, task_root, env, scheduler_timeout=30):
    """The executor and the scheduler, both with env; the scheduler invokes the executor."""
    emu.add_function("executor", str(task_root / "bootstrap"), env=env, timeout=120,
                     handler="executor")
    emu.add_function("scheduler", str(task_root / "bootstrap"),
                     env=dict(env, AAA_EXECUTOR_FUNCTION="executor"),
                     timeout=scheduler_timeout, handler="scheduler")


def run(task_root, env, scheduler_timeout=30, retry_delays=()):
    """One pass: (the scheduler's answer, [(executor payload, its answer), ...],
    the scheduler's log lines). retry_delays: the emulator's async retries (none)."""
    with emulator.LambdaEmulator(retry_delays=retry_delays) as emu:
        add_functions(emu, task_root, env, scheduler_timeout)
        emu.fire_scheduled_event("scheduler")
        emu.wait_idle(timeout=120)
        sched = [json.loads(i.result_body()) for i in emu.invocations
                 if i.function == "scheduler"]
        execs = [(json.loads(i.payload), json.loads(i.result_body()))
                 for i in emu.invocations if i.function == "executor"]
    logs = [line for _, _, line in emu.functions["scheduler"].logs]
    return sched[0], execs, logs
