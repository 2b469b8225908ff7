"""Small pieces shared by Spor's apps (issue 19): ids and small numbers from requests,
form fields for them, the redaction of one-time link tokens in logs. Platform level:
imports no Spor app. (The spreadsheet formula guard is spor.spreadsheets.)"""
