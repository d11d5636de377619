//! The pages behind sign-in, in wasm chunks fetched when a page of theirs is first opened.
//!
//! The first page a browser needs (sign-in) and the frame around every page (router, header,
//! session) are in the main module. Every other page is a [`LazyRoute`] whose view is a split
//! point of its area's chunk; `cargo xtask build-web` cuts the built wasm at those points
//! (wasm-split). A visit loads the main module, then the chunk of each area it opens and the
//! chunks of code that area shares with others.
//!
//! Areas, not single pages: pages of one area are used together (a shift on the floor goes from
//! the build to its stations, holds and shipping), and a split point per page would cut the
//! shared code into hundreds of tiny chunks, each its own request.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::app::Guard;
use crate::routes::box_station::BoxStationPage;
use crate::routes::builds::{BuildPage, BuildsPage};
use crate::routes::compare::ComparePage;
use crate::routes::fai::{FaiListPage, FaiPage};
use crate::routes::holds::HoldsPage;
use crate::routes::home::HomePage;
use crate::routes::inbox::InboxPage;
use crate::routes::lots::LotsPage;
use crate::routes::materials::MaterialsPage;
use crate::routes::package::PackagePage;
use crate::routes::packages::{NewPackagePage, PackagesPage};
use crate::routes::plan::{PlanBuildPage, SerializePage};
use crate::routes::products::{NewProductPage, ProductsPage};
use crate::routes::quality::{CapaListPage, CapaPage, NcrListPage, NcrPage};
use crate::routes::ship::ShipPage;
use crate::routes::shipment::ShipmentPage;
use crate::routes::station::StationPage;
use crate::routes::supply::{DemandPage, PurchaseOrdersPage};
use crate::routes::trace::TracePage;
use crate::routes::trace_boxes::TraceBoxesPage;
use crate::routes::unit::UnitPage;
use crate::routes::unit_tree::UnitTreePage;

/// Declares a route type per page: its view is the page behind [`Guard`], split off into the
/// chunk of its area. The pages fetch their own data, so a route carries none.
macro_rules! lazy_pages {
    ($($(#[$doc:meta])* $area:ident: $route:ident => $page:ident, $view:ident;)*) => {
        $(
            $(#[$doc])*
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_route: Self) -> AnyView {
                    $view().await
                }
            }

            #[leptos::wasm_split::wasm_split($area, wasm_split_path = ::leptos::wasm_split)]
            fn $view() -> AnyView {
                view! { <Guard><$page /></Guard> }.into_any()
            }
        )*
    };
}

lazy_pages! {
    /// `/`: what waits for the signed-in person.
    start: Home => HomePage, home_view;
    /// `/inbox`.
    start: Inbox => InboxPage, inbox_view;
    /// `/products`.
    engineering: Products => ProductsPage, products_view;
    /// `/products/new`.
    engineering: NewProduct => NewProductPage, new_product_view;
    /// `/packages`.
    engineering: Packages => PackagesPage, packages_view;
    /// `/packages/new`.
    engineering: NewPackage => NewPackagePage, new_package_view;
    /// `/packages/:id`.
    engineering: Package => PackagePage, package_view;
    /// `/packages/:id/compare/:from`.
    engineering: Compare => ComparePage, compare_view;
    /// `/builds`.
    floor: Builds => BuildsPage, builds_view;
    /// `/builds/new`.
    floor: PlanBuild => PlanBuildPage, plan_build_view;
    /// `/builds/:id`.
    floor: Build => BuildPage, build_view;
    /// `/builds/:id/serialize`.
    floor: Serialize => SerializePage, serialize_view;
    /// `/builds/:id/stations/:name`.
    floor: Station => StationPage, station_view;
    /// `/builds/:id/holds`.
    floor: Holds => HoldsPage, holds_view;
    /// `/builds/:id/lots`.
    floor: Lots => LotsPage, lots_view;
    /// `/builds/:id/ship`.
    floor: Ship => ShipPage, ship_view;
    /// `/builds/:id/materials`.
    floor: Materials => MaterialsPage, materials_view;
    /// `/shipments/:id`.
    floor: Shipment => ShipmentPage, shipment_view;
    /// `/box-build`.
    floor: BoxStation => BoxStationPage, box_station_view;
    /// `/units/:serial`.
    floor: Unit => UnitPage, unit_view;
    /// `/units/:serial/tree`.
    floor: UnitTree => UnitTreePage, unit_tree_view;
    /// `/ncrs`.
    quality: NcrList => NcrListPage, ncr_list_view;
    /// `/ncrs/:id`.
    quality: Ncr => NcrPage, ncr_view;
    /// `/capas`.
    quality: CapaList => CapaListPage, capa_list_view;
    /// `/capas/:id`.
    quality: Capa => CapaPage, capa_view;
    /// `/fai`.
    quality: FaiList => FaiListPage, fai_list_view;
    /// `/fai/:id`.
    quality: Fai => FaiPage, fai_view;
    /// `/purchase-orders`.
    supply: PurchaseOrders => PurchaseOrdersPage, purchase_orders_view;
    /// `/demand`.
    supply: Demand => DemandPage, demand_view;
    /// `/trace`.
    supply: Trace => TracePage, trace_view;
    /// `/trace/boxes`.
    supply: TraceBoxes => TraceBoxesPage, trace_boxes_view;
}

/// Fetches the start area's chunk (home, inbox) ahead of need: the sign-in page asks for it
/// while the person types, so the home page opens at once after signing in.
pub async fn preload_start() {
    __wasm_split_preload_home_view().await;
}
