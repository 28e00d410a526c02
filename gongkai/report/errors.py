"""Errors of the report toolkit. Messages are Chinese, one line, meant for the person at the screen."""


class ReportError(Exception):
    """The input cannot be read as an annual report (CLI exit code 2)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
