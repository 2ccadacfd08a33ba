"""Deployment to Azure: plan/diff, publish, Key Vault grants. The only package that imports `azure.*`.

Importing this package is cheap; the Azure SDK is imported by the modules that talk to ARM
(`clients`, `plan`, `deploy`, `grants`), never by `build` or `check`.
"""
