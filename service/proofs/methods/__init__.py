"""The proof methods: one module each (its verifier or the verifier it calls, its
evidence, its form fields and its steps), listed in `registry`."""
