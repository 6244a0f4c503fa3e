"""The Lambda emulator (Runtime API + Invoke API) for aaa's tests.

`lambda` is a Python keyword, so import it by name:
    emu = importlib.import_module("tests.integration.lambda.emulator")
"""
