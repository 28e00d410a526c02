"""The rules of the Regulations on Open Government Information as pure Python (no Django).

calendar: working days; periods: statutory periods and their derivation; fees: 国办函〔2020〕109号;
outcomes: the outcome codes of an application with their articles and reply-letter wording.
"""
