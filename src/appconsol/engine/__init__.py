"""The rules engine: rule files, parameter binding, analysis steps, running, findings, test harness."""
