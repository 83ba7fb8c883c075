"""The values between the stages: desired, observed, plan, findings."""
