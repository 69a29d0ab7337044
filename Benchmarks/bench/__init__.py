"""The benchmark driver's pieces (Benchmarks/run.py is the entry point).

common     constants, notes and logging, HTTP and request helpers
procstats  CPU time and memory of a process, the pid behind a listening port
servers    starting and stopping the servers (Rampart, moto, OpenBao, ceiling), ports
loadgen    wrk: installing it, its Lua scripts, running and parsing it, one target's cells
report     the markdown table, the load-generator line, the printed summary and the JSON
targets    one module per target, and the registry of services and peers
"""
