"""`make bench`: aaa side by side with uacme, lego and certbot on one pebble,
plus the Lambda-specific numbers. Run from the repository root:

    /usr/bin/python3 -m bench --aaa build/aaa --runs 5 --out bench/results.md

See docs/bench.md for what is measured and how.
"""
