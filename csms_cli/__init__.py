"""`python -m csms_cli`: the operator's command-line client of the operator HTTP API.

Standard library only (urllib, argparse, json), so it runs anywhere Python does.
"""
