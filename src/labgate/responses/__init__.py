"""The Responses API as a translation onto the chat path, and the responses the gateway keeps."""
