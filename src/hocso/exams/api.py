"""Exams over JSON: sessions and their attempts for staff, the delivery endpoints the exam page
(and any other client) uses to take an exam, and results and statistics. Scoped like every
route: what the caller may not see answers 404."""

from ninja import Router

from . import api_delivery, api_results, api_sessions

router = Router(tags=["exams"])
router.add_router("", api_sessions.router)
router.add_router("", api_delivery.router)
router.add_router("", api_results.router)
