//! Reports over a period (JSON or CSV), the live board (with the right to view reports) and an
//! operator's card (any operator of the workspace; today's figures for one's own or with the right).

use super::Shared;
use super::extract::{AsOperator, PathOf, QueryOf};
use crate::app::{App, AppError, Period, report_csv};
use crate::ids::OperatorId;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/reports", get(report))
        .route("/api/reports.csv", get(report_as_csv))
        .route("/api/reports/live", get(live))
        .route("/api/reports/operators/{id}/today", get(card))
}

async fn report(
    app: Shared,
    AsOperator(op): AsOperator,
    QueryOf(period): QueryOf<Period>,
) -> Result<Response, AppError> {
    Ok(Json(app.reports.report(&op, &period).await?).into_response())
}

async fn report_as_csv(
    app: Shared,
    AsOperator(op): AsOperator,
    QueryOf(period): QueryOf<Period>,
) -> Result<Response, AppError> {
    let report = app.reports.report(&op, &period).await?;
    let name = format!(
        "attachment; filename=\"parlor-report-{}-{}.csv\"",
        report.from, report.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        report_csv(&report),
    )
        .into_response())
}

async fn live(app: Shared, AsOperator(op): AsOperator) -> Result<Response, AppError> {
    Ok(Json(app.reports.live(&op).await?).into_response())
}

async fn card(
    app: Shared,
    AsOperator(op): AsOperator,
    PathOf(id): PathOf<OperatorId>,
) -> Result<Response, AppError> {
    Ok(Json(app.reports.card(&op, &id).await?).into_response())
}
