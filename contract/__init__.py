"""The contract between terminal and platform: what both sides agree on, byte for byte.

    contract.wire          canonical JSON, case signatures, signed requests, export bundles,
                           the platform's receipts
    contract.ids           case ids (UUIDv7)
    contract.keys          key ids and the text form of public keys
    contract.masking       how a name and an ID number are masked on screen, paper and tokens
    contract.certificates  signed certificate tokens and their one verifier

The terminal (`kiosk`, `offline_queue`, `devices`) and the platform (`central`) import this
package; it imports neither side (import-linter holds it to that, indirect imports included).
"""
