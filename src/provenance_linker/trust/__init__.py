"""Trust: keys and identities, signature/attestation verification, policy, bypass."""
