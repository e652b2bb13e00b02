"""The firm's staff dashboard: a small web application beside the assistant."""

import warnings

# matplotlib 3.5 (Rasa's pin; the charts) calls pyparsing names that newer pyparsing deprecates:
# noise in the dashboard's log at every start, not a fault.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"matplotlib\.")
