"""Local development host: serves the Functions app over HTTP and runs its timers.

Azure Functions Core Tools cannot be installed on our machines, so this package stands in
for it during development. Production never imports it.
"""
