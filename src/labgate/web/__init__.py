"""Web pages for scientists (chat) and administrators (workers), with classification banners.

Mount with ``app.include_router(labgate.web.routes.build_router())``; see
:mod:`labgate.web.routes`.
"""
