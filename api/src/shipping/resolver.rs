//! GraphQL of shipping: ship-to addresses, packed shipments, and their advance ship notices.

use super::service::{self, Carton, NewAddress, NewCarton, NewShipment};
use crate::context::ContextExt;
use crate::entities::{ship_to_address, shipment};
use crate::error::ApiResult;
use crate::ids::parse_id;
use crate::pagination::clamp_first;
use async_graphql::{Context, InputObject, Json, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
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
    /// The advance ship notice as CSV, one row per serial.
    async fn asn_csv(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(service::asn_csv(
            &service::asn(&ctx.state().db, &self.0).await?,
        ))
    }
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

    /// One shipment.
    async fn shipment(&self, ctx: &Context<'_>, id: ID) -> Result<ShipmentDetail> {
        let actor = ctx.reader()?;
        Ok(ShipmentDetail(
            service::shipment(ctx.state(), actor, parse_id(&id, "shipment")?).await?,
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
                carrier: input.carrier,
                tracking_number: input.tracking_number,
                cartons,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(ShipmentDetail(row))
    }
}
