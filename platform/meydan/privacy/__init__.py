"""Personal data under the person's control (KVKK/GDPR): export, account erasure, retention.

The core never imports an app, so models are found through the app registry and `policy.POLICY`,
a table that says, for every relation to the user model, what an export contains and what erasure
does. A test walks every relation to the user model and fails when one is missing from the table.
"""
