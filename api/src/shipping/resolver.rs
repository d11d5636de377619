//! GraphQL of shipping: ship-to addresses, packed shipments, and their advance ship notices.

use super::certificate;
use super::service::{self, Carton, NewAddress, NewCarton, NewShipment};
use crate::context::ContextExt;
use crate::entities::{ship_to_address, shipment};
use crate::error::ApiResult;
use crate::fai::model::{Signature, SignatureCheck, Signer};
use crate::ids::parse_id;
use crate::pagination::clamp_first;
use async_graphql::{Context, InputObject, Json, Object, Result, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use firstpass_shared::text::Serial;

/// An address an OEM has units shipped to.
#[derive(SimpleObject, Clone, Debug)]
pub struct ShipToAddress {
    /// Unique id.
    pub id: ID,
    /// Who receives there.
    pub name: String,
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// State or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// The address on one line.
    pub label: String,
}

impl From<ship_to_address::Model> for ShipToAddress {
    fn from(row: ship_to_address::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            label: service::address_line(&row),
            name: row.name,
            street: row.street,
            city: row.city,
            region: row.region,
            postal_code: row.postal_code,
            country: row.country,
        }
    }
}

/// A ship-to address to add.
#[derive(InputObject, Debug)]
pub struct ShipToAddressInput {
    /// Who receives there (e.g. "Acme c/o Reno 3PL").
    pub name: String,
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// State or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code (US, DE…).
    pub country: String,
}

/// A carton to pack.
#[derive(InputObject, Debug)]
pub struct CartonInput {
    /// The serials in it.
    pub serials: Vec<String>,
    /// The pallet it is on (from 1), if palletized.
    pub pallet: Option<i32>,
    /// Its gross weight in kilograms.
    pub weight_kg: Option<f64>,
}

/// A shipment to make.
#[derive(InputObject, Debug)]
pub struct CreateShipmentInput {
    /// The build.
    pub build_id: ID,
    /// One of the build's OEM's ship-to addresses.
    pub ship_to_address_id: ID,
    /// The customer's purchase order number.
    pub customer_po: Option<String>,
    /// The delivery date the customer's purchase order asks for (on-time delivery is judged
    /// against it as well as against the build's due date).
    pub requested_date: Option<NaiveDate>,
    /// Carrier.
    pub carrier: String,
    /// Carrier's tracking number.
    pub tracking_number: String,
    /// The cartons, numbered in this order (1 to 1,000).
    pub cartons: Vec<CartonInput>,
}

/// Which shipments to list.
#[derive(InputObject, Debug, Default)]
pub struct ShipmentFilter {
    /// Of one build.
    pub build_id: Option<ID>,
    /// Shipped at or after.
    pub from: Option<DateTime<Utc>>,
    /// Shipped before.
    pub to: Option<DateTime<Utc>>,
}

/// A carton as packed.
#[derive(SimpleObject, Clone, Debug)]
pub struct ShipmentCarton {
    /// 1-based carton number.
    pub number: i32,
    /// The pallet it is on.
    pub pallet: Option<i32>,
    /// Gross weight in kilograms.
    pub weight_kg: Option<f64>,
    /// The serials in it.
    pub serials: Vec<String>,
}

impl From<Carton> for ShipmentCarton {
    fn from(c: Carton) -> Self {
        Self {
            number: c.carton,
            pallet: c.pallet,
            weight_kg: c.weight_kg,
            serials: c.serials,
        }
    }
}

/// On-time delivery of a shipment: against its build's due date (shipped by then) and against
/// the date its purchase order requested (delivered by then).
#[derive(SimpleObject, Clone, Debug)]
pub struct ShipmentOnTime {
    /// The build's due date.
    pub due_date: NaiveDate,
    /// The delivery date the customer's purchase order asks for.
    pub requested_date: Option<NaiveDate>,
    /// The day it shipped (UTC).
    pub shipped_on: NaiveDate,
    /// The day it was delivered (UTC), once recorded.
    pub delivered_on: Option<NaiveDate>,
    /// Shipped on or before the build's due date.
    pub to_due_date: bool,
    /// Delivered on or before the requested date; null while not delivered and not yet past
    /// that date, or when the order asks for no date.
    pub to_requested_date: Option<bool>,
}

impl From<service::OnTime> for ShipmentOnTime {
    fn from(o: service::OnTime) -> Self {
        Self {
            due_date: o.due_date,
            requested_date: o.requested_date,
            shipped_on: o.shipped_on,
            delivered_on: o.delivered_on,
            to_due_date: o.to_due_date,
            to_requested_date: o.to_requested_date,
        }
    }
}

/// On-time delivery over the shipments of a filter: the supplier's scorecard line.
#[derive(SimpleObject, Clone, Debug)]
pub struct DeliveryPerformance {
    /// Shipments counted.
    pub shipments: i32,
    /// Of those, shipped by their build's due date.
    pub on_time_to_due_date: i32,
    /// Percent shipped by the due date (null without shipments).
    pub percent_to_due_date: Option<f64>,
    /// Shipments whose order requested a date and that can be judged (delivered, or late).
    pub judged_to_requested_date: i32,
    /// Of those, delivered by the requested date.
    pub on_time_to_requested_date: i32,
    /// Percent delivered by the requested date (null when none can be judged).
    pub percent_to_requested_date: Option<f64>,
}

impl From<service::DeliveryPerformance> for DeliveryPerformance {
    fn from(p: service::DeliveryPerformance) -> Self {
        let percent = |part: u32, whole: u32| {
            (whole > 0).then(|| (f64::from(part) * 1000.0 / f64::from(whole)).round() / 10.0)
        };
        Self {
            shipments: p.shipments as i32,
            on_time_to_due_date: p.on_time_to_due_date as i32,
            percent_to_due_date: percent(p.on_time_to_due_date, p.shipments),
            judged_to_requested_date: p.judged_to_requested_date as i32,
            on_time_to_requested_date: p.on_time_to_requested_date as i32,
            percent_to_requested_date: percent(
                p.on_time_to_requested_date,
                p.judged_to_requested_date,
            ),
        }
    }
}

/// A shipment with where it went, how it was packed, and its advance ship notice.
#[derive(Clone, Debug)]
pub struct ShipmentDetail(pub shipment::Model);

/// A shipment with where it went, how it was packed, and its advance ship notice.
#[Object]
impl ShipmentDetail {
    /// Unique id (also the ASN's number).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The build shipped from.
    async fn build_id(&self) -> ID {
        ID(self.0.build_id.to_string())
    }
    /// Where it went, on one line.
    async fn destination(&self) -> &str {
        &self.0.destination
    }
    /// The customer's purchase order number.
    async fn customer_po(&self) -> Option<&str> {
        self.0.customer_po.as_deref()
    }
    /// The delivery date the customer's purchase order asks for.
    async fn requested_date(&self) -> Option<NaiveDate> {
        self.0.requested_date
    }
    /// On-time delivery, against the build's due date and the requested date.
    async fn on_time(&self, ctx: &Context<'_>) -> Result<ShipmentOnTime> {
        let mut judged = service::on_time(&ctx.state().db, std::slice::from_ref(&self.0)).await?;
        Ok(judged
            .remove(&self.0.id)
            .ok_or(crate::error::ApiError::NotFound("build"))?
            .into())
    }
    /// Carrier.
    async fn carrier(&self) -> &str {
        &self.0.carrier
    }
    /// Carrier's tracking number.
    async fn tracking_number(&self) -> &str {
        &self.0.tracking_number
    }
    /// When it left.
    async fn shipped_at(&self) -> DateTime<Utc> {
        self.0.shipped_at
    }
    /// The cartons, by number, with their serials (none for a shipment made with `shipUnits`).
    async fn cartons(&self, ctx: &Context<'_>) -> Result<Vec<ShipmentCarton>> {
        Ok(service::cartons(&ctx.state().db, self.0.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// The advance ship notice as JSON: shipment (ship-from, ship-to, carrier, counts,
    /// weight), order (customer PO, build, due date, on time), item (part number, revision,
    /// IPC class, quantity) and packs (pallet, carton, serials).
    async fn asn(&self, ctx: &Context<'_>) -> Result<Json<service::Asn>> {
        Ok(Json(service::asn(&ctx.state().db, &self.0).await?))
    }
    /// The certificate of conformance: what it cites, and whether EMS quality signed it.
    async fn certificate(&self, ctx: &Context<'_>) -> Result<CertificateOfConformance> {
        let db = &ctx.state().db;
        let doc = certificate::certificate(db, &self.0).await?;
        let (content_hash, checked) = certificate::signatures(db, &doc).await?;
        let signed = !checked.is_empty();
        Ok(CertificateOfConformance {
            content_hash,
            signed,
            valid: signed && checked.iter().all(|(_, ok)| *ok),
            signatures: checked
                .into_iter()
                .map(|(row, valid)| {
                    Ok(SignatureCheck {
                        meaning: crate::error::stored(&row.meaning)?,
                        signer: Signer {
                            email: row.email,
                            printed_name: row.printed_name,
                        },
                        signed_at: row.signed_at,
                        valid,
                    })
                })
                .collect::<ApiResult<_>>()?,
            fai_report_id: doc.fai.map(|f| ID(f.report_id.to_string())),
            pdf_url: format!("/shipments/{}/certificate.pdf", self.0.id),
        })
    }
    /// The advance ship notice as CSV, one row per serial.
    async fn asn_csv(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(service::asn_csv(
            &service::asn(&ctx.state().db, &self.0).await?,
        ))
    }
}

/// The certificate of conformance of a shipment, as it stands.
#[derive(SimpleObject, Clone, Debug)]
pub struct CertificateOfConformance {
    /// SHA-256 of the certificate's canonical content now.
    pub content_hash: String,
    /// Whether EMS quality has signed it.
    pub signed: bool,
    /// True when it is signed and every signature still matches its content.
    pub valid: bool,
    /// The signatures, oldest first, each checked against the content now.
    pub signatures: Vec<SignatureCheck>,
    /// The first-article report it cites (the revision's newest APPROVED one), if any.
    pub fai_report_id: Option<ID>,
    /// Where to download it as PDF (with the caller's bearer token).
    pub pdf_url: String,
}

/// Shipping queries.
#[derive(Default)]
pub struct ShippingQuery;

#[Object]
impl ShippingQuery {
    /// Ship-to addresses: an OEM's own; an EMS gives `oemId` of an OEM it builds for.
    async fn ship_to_addresses(
        &self,
        ctx: &Context<'_>,
        oem_id: Option<ID>,
    ) -> Result<Vec<ShipToAddress>> {
        let actor = ctx.reader()?;
        let oem = oem_id.map(|o| parse_id(&o, "organization")).transpose()?;
        Ok(service::addresses(ctx.state(), actor, oem)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Shipments of the builds the caller sees, newest first.
    async fn shipments(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] filter: ShipmentFilter,
        first: Option<i32>,
    ) -> Result<Vec<ShipmentDetail>> {
        let actor = ctx.reader()?;
        let build = filter.build_id.map(|b| parse_id(&b, "build")).transpose()?;
        Ok(service::shipments(
            ctx.state(),
            actor,
            build,
            filter.from,
            filter.to,
            clamp_first(first)?,
        )
        .await?
        .into_iter()
        .map(ShipmentDetail)
        .collect())
    }

    /// On-time delivery over the shipments the caller sees (of one build, or shipped within
    /// `[from, to)`): by the build's due date, and by the date each order requested.
    async fn delivery_performance(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] filter: ShipmentFilter,
    ) -> Result<DeliveryPerformance> {
        let actor = ctx.reader()?;
        let build = filter.build_id.map(|b| parse_id(&b, "build")).transpose()?;
        let rows = service::shipments(
            ctx.state(),
            actor,
            build,
            filter.from,
            filter.to,
            service::MAX_SCORED_SHIPMENTS,
        )
        .await?;
        let judged = service::on_time(&ctx.state().db, &rows).await?;
        Ok(service::DeliveryPerformance::of(judged.values()).into())
    }

    /// One shipment.
    async fn shipment(&self, ctx: &Context<'_>, id: ID) -> Result<ShipmentDetail> {
        let actor = ctx.reader()?;
        Ok(ShipmentDetail(
            service::shipment(&ctx.state().db, actor, parse_id(&id, "shipment")?).await?,
        ))
    }
}

/// Shipping mutations.
#[derive(Default)]
pub struct ShippingMutation;

#[Object]
impl ShippingMutation {
    /// Adds a ship-to address of the OEM (its admins and engineers).
    async fn add_ship_to_address(
        &self,
        ctx: &Context<'_>,
        input: ShipToAddressInput,
    ) -> Result<ShipToAddress> {
        let actor = ctx.writer()?;
        let row = service::add_address(
            ctx.state(),
            actor,
            NewAddress {
                name: input.name,
                street: input.street,
                city: input.city,
                region: input.region,
                postal_code: input.postal_code,
                country: input.country,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }

    /// Ships finished units of a build to one of its OEM's addresses, packed in cartons (on
    /// pallets): every serial once, each COMPLETED and not inside a box; all or nothing.
    async fn create_shipment(
        &self,
        ctx: &Context<'_>,
        input: CreateShipmentInput,
    ) -> Result<ShipmentDetail> {
        let actor = ctx.writer()?;
        let cartons = input
            .cartons
            .into_iter()
            .map(|c| {
                Ok(NewCarton {
                    serials: c
                        .serials
                        .iter()
                        .map(|s| Ok(Serial::parse(s)?))
                        .collect::<ApiResult<Vec<_>>>()?,
                    pallet: c.pallet,
                    weight_kg: c.weight_kg,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let row = service::create_shipment(
            ctx.state(),
            actor,
            NewShipment {
                build_id: parse_id(&input.build_id, "build")?,
                ship_to_address_id: parse_id(&input.ship_to_address_id, "ship-to address")?,
                customer_po: input.customer_po,
                requested_date: input.requested_date,
                carrier: input.carrier,
                tracking_number: input.tracking_number,
                cartons,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(ShipmentDetail(row))
    }

    /// Signs the certificate of conformance of a shipment (EMS quality, once): the password is
    /// asked again, and the signature records the SHA-256 of what the certificate states
    /// (revision, classes, first article, order and every serial). `reason` is the words
    /// certified; a standard statement of conformance when left out.
    async fn sign_certificate_of_conformance(
        &self,
        ctx: &Context<'_>,
        shipment_id: ID,
        password: String,
        reason: Option<String>,
    ) -> Result<Signature> {
        let actor = ctx.writer()?;
        let row = certificate::sign(
            ctx.state(),
            actor,
            parse_id(&shipment_id, "shipment")?,
            &password,
            reason.as_deref(),
            ctx.request().client_ip,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Signature::from_row(row)?)
    }
}
