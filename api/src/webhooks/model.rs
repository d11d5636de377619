//! Webhook events, endpoints and deliveries as the API shows them.

use crate::entities::{webhook_delivery, webhook_endpoint};
use crate::error::{ApiError, ApiResult};
use async_graphql::{Enum, SimpleObject, ID};
use chrono::{DateTime, Utc};

/// Something that happened that an integration may want to hear of. New kinds are added at
/// the end; the spelling is the stable name on the wire and in the database.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookEvent {
    /// An OEM submitted an NPI package (subject: the package).
    PackageSubmitted,
    /// The EMS accepted a package (subject: the package).
    PackageAccepted,
    /// The EMS asked for changes to a package (subject: the package).
    PackageChangesRequested,
    /// A build was planned (subject: the build).
    BuildCreated,
    /// A build's status changed (subject: the build; `data.status` is the new one).
    BuildStatusChanged,
    /// A unit failed at a station (subject: the unit).
    UnitFailed,
    /// A unit was put on hold (subject: the unit).
    UnitHeld,
    /// A unit was shipped (subject: the unit).
    UnitShipped,
    /// A defect was recorded on a unit (subject: the unit; `data.defectId`).
    DefectRecorded,
    /// An FAI report was submitted for signature (subject: the report).
    FaiSubmitted,
    /// An FAI report was signed (subject: the report; `data.meaning`).
    FaiSigned,
    /// An FAI report was approved by both sides (subject: the report).
    FaiApproved,
    /// A shipment left (subject: the shipment; `data.buildId`).
    ShipmentCreated,
    /// A supplier's new promise leaves an open build short past its due date (subject: the
    /// build; `data.mpn`, `data.promisedDate`, `data.clearDate`, `data.dueDate`).
    MaterialLate,
    /// An NCR was opened (subject: the NCR; `data.number`, `data.severity`, `data.items`).
    NcrOpened,
    /// An NCR was closed (subject: the NCR; `data.number`).
    NcrClosed,
}

impl WebhookEvent {
    /// Every event, in declaration order.
    pub const ALL: &'static [WebhookEvent] = &[
        WebhookEvent::PackageSubmitted,
        WebhookEvent::PackageAccepted,
        WebhookEvent::PackageChangesRequested,
        WebhookEvent::BuildCreated,
        WebhookEvent::BuildStatusChanged,
        WebhookEvent::UnitFailed,
        WebhookEvent::UnitHeld,
        WebhookEvent::UnitShipped,
        WebhookEvent::DefectRecorded,
        WebhookEvent::FaiSubmitted,
        WebhookEvent::FaiSigned,
        WebhookEvent::FaiApproved,
        WebhookEvent::ShipmentCreated,
        WebhookEvent::MaterialLate,
        WebhookEvent::NcrOpened,
        WebhookEvent::NcrClosed,
    ];

    /// The stable spelling (the GraphQL enum value).
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::PackageSubmitted => "PACKAGE_SUBMITTED",
            WebhookEvent::PackageAccepted => "PACKAGE_ACCEPTED",
            WebhookEvent::PackageChangesRequested => "PACKAGE_CHANGES_REQUESTED",
            WebhookEvent::BuildCreated => "BUILD_CREATED",
            WebhookEvent::BuildStatusChanged => "BUILD_STATUS_CHANGED",
            WebhookEvent::UnitFailed => "UNIT_FAILED",
            WebhookEvent::UnitHeld => "UNIT_HELD",
            WebhookEvent::UnitShipped => "UNIT_SHIPPED",
            WebhookEvent::DefectRecorded => "DEFECT_RECORDED",
            WebhookEvent::FaiSubmitted => "FAI_SUBMITTED",
            WebhookEvent::FaiSigned => "FAI_SIGNED",
            WebhookEvent::FaiApproved => "FAI_APPROVED",
            WebhookEvent::ShipmentCreated => "SHIPMENT_CREATED",
            WebhookEvent::MaterialLate => "MATERIAL_LATE",
            WebhookEvent::NcrOpened => "NCR_OPENED",
            WebhookEvent::NcrClosed => "NCR_CLOSED",
        }
    }

    /// The GraphQL type of the event's subject, to fetch it by id.
    pub fn subject_type(self) -> &'static str {
        match self {
            WebhookEvent::PackageSubmitted
            | WebhookEvent::PackageAccepted
            | WebhookEvent::PackageChangesRequested => "NpiPackage",
            WebhookEvent::BuildCreated
            | WebhookEvent::BuildStatusChanged
            | WebhookEvent::MaterialLate => "Build",
            WebhookEvent::UnitFailed
            | WebhookEvent::UnitHeld
            | WebhookEvent::UnitShipped
            | WebhookEvent::DefectRecorded => "Unit",
            WebhookEvent::FaiSubmitted | WebhookEvent::FaiSigned | WebhookEvent::FaiApproved => {
                "FaiReport"
            }
            WebhookEvent::ShipmentCreated => "Shipment",
            WebhookEvent::NcrOpened | WebhookEvent::NcrClosed => "Ncr",
        }
    }

    /// Parses a stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.as_str() == text)
    }
}

/// Parses an endpoint's stored event list.
pub fn parse_events(stored: &str) -> ApiResult<Vec<WebhookEvent>> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            WebhookEvent::parse(s)
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown stored event {s}")))
        })
        .collect()
}

/// Where a delivery stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Not yet accepted by the receiver; attempts continue on the backoff schedule.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after three days of failures; `redeliverWebhook` tries again.
    Failed,
}

impl WebhookDeliveryStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookDeliveryStatus::Pending => "PENDING",
            WebhookDeliveryStatus::Delivered => "DELIVERED",
            WebhookDeliveryStatus::Failed => "FAILED",
        }
    }

    fn parse(text: &str) -> ApiResult<Self> {
        match text {
            "PENDING" => Ok(Self::Pending),
            "DELIVERED" => Ok(Self::Delivered),
            "FAILED" => Ok(Self::Failed),
            other => Err(ApiError::internal(anyhow::anyhow!(
                "unknown stored delivery status {other}"
            ))),
        }
    }
}

/// A registered webhook endpoint, without its secret.
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookEndpoint {
    /// Unique id.
    pub id: ID,
    /// Where events are posted (http or https).
    pub url: String,
    /// The admin's label.
    pub description: String,
    /// The events it receives.
    pub events: Vec<WebhookEvent>,
    /// Whether it receives events now (a paused endpoint gets nothing, not even later).
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    /// The API view of a row.
    pub fn from_model(row: webhook_endpoint::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            events: parse_events(&row.events)?,
            url: row.url,
            description: row.description,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// An endpoint just created, with its signing secret: the only time the secret is shown.
#[derive(SimpleObject, Clone, Debug)]
pub struct CreatedWebhookEndpoint {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The HMAC-SHA256 key that signs every delivery. Store it now: it cannot be shown again.
    pub secret: String,
}

/// One event's delivery to one endpoint.
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookDelivery {
    /// Unique id; also sent as the `Firstpass-Delivery` header.
    pub id: ID,
    /// The endpoint.
    pub endpoint_id: ID,
    /// The event id (the `id` of the payload; the same on every attempt and redelivery).
    pub event_id: ID,
    /// What happened.
    pub event: WebhookEvent,
    /// The id of the record it happened to.
    pub subject_id: ID,
    /// Where the delivery stands.
    pub status: WebhookDeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// The HTTP status the receiver last answered, if it answered.
    pub response_code: Option<i32>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// When the next attempt is due, while PENDING.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the receiver accepted it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the event was queued for this endpoint.
    pub created_at: DateTime<Utc>,
}

impl WebhookDelivery {
    /// The API view of a row and its event's spelling.
    pub fn from_model(row: webhook_delivery::Model, event: &str) -> ApiResult<Self> {
        let status = WebhookDeliveryStatus::parse(&row.status)?;
        Ok(Self {
            id: ID(row.id.to_string()),
            endpoint_id: ID(row.endpoint_id.to_string()),
            event_id: ID(row.event_id.to_string()),
            event: WebhookEvent::parse(event).ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("unknown stored event {event}"))
            })?,
            subject_id: ID(row.subject_id.to_string()),
            status,
            attempts: row.attempts,
            response_code: row.response_code,
            last_error: row.last_error,
            next_attempt_at: (status == WebhookDeliveryStatus::Pending)
                .then_some(row.next_attempt_at),
            last_attempt_at: row.last_attempt_at,
            delivered_at: row.delivered_at,
            created_at: row.created_at,
        })
    }
}
