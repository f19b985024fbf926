"""The write side: inscriptions from delegations (HTTP and e-mail) and commands from the
secretariat and the chair. Validates, publishes to Kafka, answers once the broker has it."""
