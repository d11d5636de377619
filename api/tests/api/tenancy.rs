//! The tenancy matrix: every query and mutation, for every role, for a foreign tenant, for
//! API tokens and for an anonymous caller. A record of another tenant must answer exactly like
//! a missing one (`NOT_FOUND`); a role that may not act gets `FORBIDDEN`.
//!
//! Later capabilities add their operations to [`operations`]'s list.

use crate::harness::{who, TestApp};
use firstpass_api::accounts::service::{self, NewUser};
use firstpass_api::audit::AuditMeta;
use firstpass_shared::cad::fixtures::{self, Style};
use firstpass_shared::domain::Role;
use firstpass_shared::text::DisplayName;
use serde_json::{json, Value};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    AcmeAdmin,
    AcmeEngineer,
    EmsAdmin,
    EmsPm,
    EmsQuality,
    EmsOperator,
    /// The foreign tenant: an OEM that is not Acme and has no claim on Acme's records.
    GlobexAdmin,
    GlobexEngineer,
    /// Acme API tokens.
    AcmeReadToken,
    AcmeWriteToken,
}

const CALLERS: &[Caller] = &[
    Caller::Anonymous,
    Caller::AcmeAdmin,
    Caller::AcmeEngineer,
    Caller::EmsAdmin,
    Caller::EmsPm,
    Caller::EmsQuality,
    Caller::EmsOperator,
    Caller::GlobexAdmin,
    Caller::GlobexEngineer,
    Caller::AcmeReadToken,
    Caller::AcmeWriteToken,
];

/// What a call must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Ok,
    Code(&'static str),
}
use Expect::{Code, Ok as Allowed};
const UNAUTH: Expect = Code("UNAUTHENTICATED");
const FORBIDDEN: Expect = Code("FORBIDDEN");
const NOT_FOUND: Expect = Code("NOT_FOUND");

struct World {
    app: TestApp,
    bearer: Vec<(Caller, Option<String>)>,
    acme_org: String,
    acme_engineer: String,
    acme_token: String,
    /// An Acme product with packages in several states.
    acme_product: String,
    /// A draft package (the EMS cannot see it).
    acme_draft: String,
    /// A submitted package (the EMS can see it).
    acme_submitted: String,
    /// An accepted package.
    acme_accepted: String,
    /// A file of the draft package.
    acme_draft_file: String,
    /// A pilot build of the accepted package, with units and a lot used on them.
    acme_build: String,
    /// A serial of that build.
    acme_serial: String,
    /// A lot used on that build.
    acme_lot: String,
    /// The foreign OEM and its admin, which Acme's callers and the EMS must never see.
    globex_org: String,
    globex_admin: String,
    /// An Acme webhook endpoint and one of its deliveries.
    acme_webhook: String,
    acme_delivery: String,
    /// A draft package of an Acme box-build product.
    acme_box_draft: String,
    /// A build of an accepted Acme box build whose BOM takes T-ACCEPTED rev A at PCBA.
    acme_box_build: String,
    /// A recall campaign over the lot used on the Acme build.
    acme_campaign: String,
}

impl World {
    fn bearer(&self, caller: Caller) -> Option<&str> {
        self.bearer
            .iter()
            .find(|(c, _)| *c == caller)
            .and_then(|(_, b)| b.as_deref())
    }

    /// A fresh Acme user to be acted upon, so destructive cases do not affect each other.
    async fn fresh_acme_user(&self, n: usize) -> String {
        let db = &self.app.state.db;
        let org = service::organization_by_name(db, "Acme Gateways")
            .await
            .expect("acme");
        let user = service::create_user(
            db,
            &org,
            NewUser {
                email: format!("victim{n}@acme.example"),
                full_name: DisplayName::parse(&format!("Victim {n}")).expect("name"),
                role: Role::OemEngineer,
                password: "victim password 123".into(),
            },
            &AuditMeta::system(org.id),
        )
        .await
        .expect("victim");
        user.id.to_string()
    }

    fn ems_pm(&self) -> String {
        self.bearer(Caller::EmsPm)
            .map(str::to_owned)
            .expect("pm token")
    }

    /// A fresh unit of the Acme build that has passed `passed` stations; returns its serial.
    async fn fresh_unit(&self, n: usize, passed: usize) -> String {
        let pm = self.ems_pm();
        let serial = format!("MX-{n:04}");
        self.app
            .gql(Some(&pm), "mutation($b: ID!, $s: [String!]!) { addUnits(buildId: $b, serials: $s, allowOverQuantity: true) { serial } }",
                json!({"b": self.acme_build, "s": [serial]}))
            .await
            .data();
        for station in ["SMT", "AOI"].iter().take(passed) {
            self.app
                .gql(Some(&pm), "mutation($i: StationResultInput!) { recordStationResult(input: $i) { unit { status } } }",
                    json!({"i": {"serial": serial, "station": station, "result": "PASS"}}))
                .await
                .data();
        }
        serial
    }

    /// A PENDING defect on a fresh unit that failed at AOI; returns the defect's id.
    async fn fresh_pending_defect(&self, n: usize) -> String {
        let pm = self.ems_pm();
        let serial = self.fresh_unit(n, 1).await;
        self.app
            .gql(Some(&pm), "mutation($i: StationResultInput!) { recordStationResult(input: $i) { unit { status } } }",
                json!({"i": {"serial": serial, "station": "AOI", "result": "FAIL"}}))
            .await
            .data();
        let recorded = self
            .app
            .gql(Some(&pm), "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { id } } }",
                json!({"i": {"serial": serial, "station": "AOI", "designator": "U1", "code": "VOID", "disposition": "PENDING"}}))
            .await;
        recorded.data()["recordDefect"]["defect"]["id"]
            .as_str()
            .expect("defect id")
            .to_owned()
    }

    /// A fresh purchase order of one line (LM358DR, the board's op-amp); returns the line's id.
    async fn fresh_order_line(&self, n: usize) -> String {
        let made = self
            .app
            .gql(Some(&self.ems_pm()), "mutation($i: PurchaseOrderInput!) { recordPurchaseOrder(input: $i) { lines { id } } }",
                json!({"i": {"poNumber": format!("PO-FRESH-{n}"), "supplier": "Arrow", "lines": [{"mpn": "LM358DR", "manufacturer": "Texas Instruments", "quantity": 100, "promisedDate": "2099-03-01"}]}}))
            .await;
        made.data()["recordPurchaseOrder"]["lines"][0]["id"]
            .as_str()
            .expect("line id")
            .to_owned()
    }

    /// A fresh alternate proposed for the accepted package's LM358DR; returns its id.
    async fn fresh_alternate(&self, n: usize) -> String {
        let made = self
            .app
            .gql(Some(&self.ems_pm()), "mutation($i: AlternatePartInput!) { proposeAlternatePart(input: $i) { id } }",
                json!({"i": {"packageId": self.acme_accepted, "mpn": "LM358DR", "alternateMpn": format!("LM358-ALT-{n}"), "alternateManufacturer": "onsemi", "reason": "26-week lead time"}}))
            .await;
        made.data()["proposeAlternatePart"]["id"]
            .as_str()
            .expect("alternate id")
            .to_owned()
    }

    /// A fresh ship-to address of Acme; returns its id.
    async fn fresh_address(&self, n: usize) -> String {
        let made = self
            .app
            .gql(Some(&self.engineer()), "mutation($i: ShipToAddressInput!) { addShipToAddress(input: $i) { id } }",
                json!({"i": {"name": format!("Dock {n}"), "street": "1 Way", "city": "Reno", "postalCode": "89502", "country": "US"}}))
            .await;
        made.data()["addShipToAddress"]["id"]
            .as_str()
            .expect("address id")
            .to_owned()
    }

    /// A fresh box of the Acme box build; returns its serial.
    async fn fresh_box(&self, n: usize) -> String {
        let pm = self.ems_pm();
        let serial = format!("BX-{n:04}");
        self.app
            .gql(Some(&pm), "mutation($b: ID!, $s: [String!]!) { addUnits(buildId: $b, serials: $s, allowOverQuantity: true) { serial } }",
                json!({"b": self.acme_box_build, "s": [serial]}))
            .await
            .data();
        serial
    }

    /// A fresh box with a fresh finished board installed at PCBA; returns both serials.
    async fn fresh_installed(&self, n: usize) -> (String, String) {
        let parent = self.fresh_box(n).await;
        let child = self.fresh_unit(n, 2).await;
        self.app
            .gql(Some(&self.ems_pm()), "mutation($p: String!, $c: String!) { installSubassembly(parentSerial: $p, childSerial: $c, position: \"PCBA\") { position } }",
                json!({"p": parent, "c": child}))
            .await
            .data();
        (parent, child)
    }

    /// A fresh NCR over a fresh unit of the Acme build, opened by EMS quality, its item taken
    /// as far as `stage` ("open", "review": USE_AS_IS waiting for the OEM, "done": reworked);
    /// returns the NCR's and the item's ids.
    async fn fresh_ncr(&self, n: usize, stage: &str) -> (String, String) {
        let quality = self
            .bearer(Caller::EmsQuality)
            .map(str::to_owned)
            .expect("quality token");
        let serial = self.fresh_unit(n, 1).await;
        let opened = self
            .app
            .gql(Some(&quality), "mutation($i: OpenNcrInput!) { openNcr(input: $i) { id items { id } } }",
                json!({"i": {"title": format!("NCR {n}"), "description": "Found at AOI", "severity": "MINOR", "serials": [serial]}}))
            .await;
        let ncr = opened.data()["openNcr"]["id"]
            .as_str()
            .expect("ncr")
            .to_owned();
        let item = opened.data()["openNcr"]["items"][0]["id"]
            .as_str()
            .expect("item")
            .to_owned();
        let disposition = match stage {
            "review" => Some("USE_AS_IS"),
            "done" => Some("REWORK"),
            _ => None,
        };
        if let Some(d) = disposition {
            self.app
                .gql(Some(&quality), "mutation($i: ID!, $d: NcrDisposition!) { dispositionNcrItem(itemId: $i, disposition: $d, reason: \"matrix\") { id } }",
                    json!({"i": item, "d": d}))
                .await
                .data();
        }
        (ncr, item)
    }

    /// The first characteristic of a fresh DRAFT FAI report of a fresh unit of the Acme build.
    async fn fresh_fai_characteristic(&self, n: usize) -> String {
        let quality = self
            .bearer(Caller::EmsQuality)
            .map(str::to_owned)
            .expect("quality token");
        let serial = self.fresh_unit(n, 1).await;
        let created = self
            .app
            .gql(Some(&quality), "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { characteristics { id } } }",
                json!({"i": {"buildId": self.acme_build, "serial": serial, "reason": "NEW_PART", "scope": "FULL"}}))
            .await;
        created.data()["createFaiReport"]["characteristics"][0]["id"]
            .as_str()
            .expect("characteristic")
            .to_owned()
    }

    /// A fresh corrective action escalated from a fresh NCR, with D4 filled in; its id.
    async fn fresh_capa(&self, n: usize) -> String {
        let quality = self
            .bearer(Caller::EmsQuality)
            .map(str::to_owned)
            .expect("quality token");
        let (ncr, _) = self.fresh_ncr(n, "open").await;
        let made = self
            .app
            .gql(
                Some(&quality),
                "mutation($n: ID!) { escalateNcr(ncrId: $n, title: \"T\") { id } }",
                json!({"n": ncr}),
            )
            .await;
        let capa = made.data()["escalateNcr"]["id"]
            .as_str()
            .expect("capa")
            .to_owned();
        self.app
            .gql(Some(&quality), "mutation($c: ID!) { updateCapaDiscipline(capaId: $c, discipline: D4, owner: \"Q\", content: \"Root cause\") { id } }", json!({"c": capa}))
            .await
            .data();
        capa
    }

    /// A fresh shipment of one finished unit; returns its id.
    async fn fresh_shipment(&self, n: usize) -> String {
        let serial = self.fresh_unit(n, 2).await;
        let shipped = self
            .app
            .gql(Some(&self.ems_pm()), "mutation($i: ShipUnitsInput!) { shipUnits(input: $i) { id } }",
                json!({"i": {"buildId": self.acme_build, "serials": [serial], "destination": "D", "carrier": "C", "trackingNumber": "T"}}))
            .await;
        shipped.data()["shipUnits"]["id"]
            .as_str()
            .expect("shipment")
            .to_owned()
    }

    /// An Acme box-build package: a draft, or accepted with a BOM taking T-ACCEPTED rev A.
    async fn box_package(&self, part: &str, accepted: bool) -> String {
        let oem = self.engineer();
        let product = self
            .app
            .gql(Some(&oem), "mutation($p: String!) { createProduct(input: {partNumber: $p, name: \"Box\", tier: BOX_BUILD}) { id } }",
                json!({"p": part}))
            .await;
        let ems = self.app.ems_id(&oem).await;
        let package = self
            .app
            .gql(Some(&oem), "mutation($i: CreateNpiPackageInput!) { createNpiPackage(input: $i) { id } }",
                json!({"i": {"productId": product.data()["createProduct"]["id"], "revision": "A", "emsOrganizationId": ems, "ipcClass": "CLASS_2"}}))
            .await;
        let id = package.data()["createNpiPackage"]["id"]
            .as_str()
            .expect("package")
            .to_owned();
        if !accepted {
            // A box-build BOM as a file, for importBoxBuildBom.
            self.app
                .upload(
                    Some(&oem),
                    &id,
                    &[(
                        "box-bom.csv".to_owned(),
                        b"Position,Kind,Part number\nPSU,BOUGHT,PSU-1\n".to_vec(),
                    )],
                )
                .await;
            return id;
        }
        self.app
            .upload(
                Some(&oem),
                &id,
                &[("instructions.pdf".to_owned(), b"%PDF box".to_vec())],
            )
            .await
            .data();
        self.app
            .gql(Some(&oem), "mutation($id: ID!) { setBoxBuildBom(packageId: $id, lines: [{position: \"PCBA\", kind: SUBASSEMBLY, partNumber: \"T-ACCEPTED\", revision: \"A\"}]) { id } }",
                json!({"id": id}))
            .await
            .data();
        self.app
            .gql(
                Some(&oem),
                "mutation($id: ID!) { submitNpiPackage(id: $id) { id } }",
                json!({"id": id}),
            )
            .await
            .data();
        let pm = self.ems_pm();
        for op in ["startReview", "acceptNpiPackage"] {
            let q = format!("mutation($id: ID!) {{ {op}(id: $id) {{ id }} }}");
            self.app.gql(Some(&pm), &q, json!({"id": id})).await.data();
        }
        id
    }

    fn engineer(&self) -> String {
        self.bearer(Caller::AcmeEngineer)
            .map(str::to_owned)
            .expect("engineer token")
    }

    /// A fresh Acme package of the board, taken as far as `stage` in the workflow.
    async fn fresh_package(&self, part: &str, stage: &str) -> String {
        let oem = self.engineer();
        let id = self.app.draft_package(&oem, part).await;
        self.app
            .upload(Some(&oem), &id, &fixtures::board(Style::KiCad))
            .await
            .data();
        if stage == "DRAFT" {
            return id;
        }
        self.app
            .gql(
                Some(&oem),
                "mutation($id: ID!) { submitNpiPackage(id: $id) { id } }",
                json!({"id": id}),
            )
            .await
            .data();
        let pm = self.bearer(Caller::EmsPm).map(str::to_owned);
        for (op, until) in [
            ("startReview", "SUBMITTED"),
            ("acceptNpiPackage", "IN_REVIEW"),
        ] {
            if stage == until {
                return id;
            }
            let q = format!("mutation($id: ID!) {{ {op}(id: $id) {{ id }} }}");
            self.app
                .gql(pm.as_deref(), &q, json!({"id": id}))
                .await
                .data();
        }
        id
    }

    /// A fresh Acme webhook endpoint (to a closed local port) for package submissions.
    async fn fresh_acme_webhook(&self, n: usize) -> String {
        let created = self
            .app
            .gql(
                self.bearer(Caller::AcmeAdmin),
                CREATE_WEBHOOK,
                json!({"url": format!("http://127.0.0.1:9/hook-{n}"), "events": ["PACKAGE_SUBMITTED"]}),
            )
            .await;
        created.data()["createWebhookEndpoint"]["endpoint"]["id"]
            .as_str()
            .expect("endpoint id")
            .to_owned()
    }

    /// A fresh small file in the Acme draft.
    async fn fresh_draft_file(&self, n: usize) -> String {
        let oem = self.engineer();
        let name = format!("note-{n}.txt");
        let up = self
            .app
            .upload(
                Some(&oem),
                &self.acme_draft,
                &[(name.clone(), b"note".to_vec())],
            )
            .await;
        let files = up.data()["uploadPackageFiles"]["files"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        files
            .iter()
            .find(|f| f["name"] == name.as_str())
            .and_then(|f| f["id"].as_str())
            .expect("file")
            .to_owned()
    }

    async fn fresh_acme_token(&self, n: usize) -> String {
        let admin = self.bearer(Caller::AcmeAdmin).map(str::to_owned);
        let created = self
            .app
            .gql(
                admin.as_deref(),
                CREATE_TOKEN,
                json!({"name": format!("victim {n}"), "scopes": ["READ"]}),
            )
            .await;
        created.data()["createApiToken"]["token"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }
}

const CREATE_WEBHOOK: &str = "mutation($url: String!, $events: [WebhookEvent!]!) { createWebhookEndpoint(url: $url, events: $events, description: \"matrix\") { secret endpoint { id } } }";

const CREATE_TOKEN: &str =
    "mutation($name: String!, $scopes: [Scope!]!) { createApiToken(name: $name, scopes: $scopes) { secret token { id } } }";

async fn world() -> World {
    let app = TestApp::spawn().await;
    let mut bearer = vec![(Caller::Anonymous, None)];
    for (caller, email) in [
        (Caller::AcmeAdmin, who::ACME_ADMIN),
        (Caller::AcmeEngineer, who::ACME_ENGINEER),
        (Caller::EmsAdmin, who::EMS_ADMIN),
        (Caller::EmsPm, who::EMS_PM),
        (Caller::EmsQuality, who::EMS_QUALITY),
        (Caller::EmsOperator, who::EMS_OPERATOR),
        (Caller::GlobexAdmin, who::GLOBEX_ADMIN),
        (Caller::GlobexEngineer, who::GLOBEX_ENGINEER),
    ] {
        bearer.push((caller, Some(app.token(email).await)));
    }
    let admin = bearer[1].1.clone();
    for (caller, scope) in [
        (Caller::AcmeReadToken, "READ"),
        (Caller::AcmeWriteToken, "WRITE"),
    ] {
        let created = app
            .gql(
                admin.as_deref(),
                CREATE_TOKEN,
                json!({"name": scope, "scopes": [scope]}),
            )
            .await;
        bearer.push((
            caller,
            created.data()["createApiToken"]["secret"]
                .as_str()
                .map(str::to_owned),
        ));
    }
    let me = app
        .gql(
            bearer[2].1.as_deref(),
            "{ me { id organization { id } } }",
            json!({}),
        )
        .await;
    let acme_engineer = me.data()["me"]["id"].as_str().expect("id").to_owned();
    let acme_org = me.data()["me"]["organization"]["id"]
        .as_str()
        .expect("org")
        .to_owned();
    let tokens = app
        .gql(admin.as_deref(), "{ apiTokens { id } }", json!({}))
        .await;
    let acme_token = tokens.data()["apiTokens"][0]["id"]
        .as_str()
        .expect("token")
        .to_owned();
    let globex = app
        .gql(
            bearer
                .iter()
                .find(|(c, _)| *c == Caller::GlobexAdmin)
                .and_then(|(_, b)| b.as_deref()),
            "{ me { id organization { id } } }",
            json!({}),
        )
        .await;
    let globex_admin = globex.data()["me"]["id"].as_str().expect("id").to_owned();
    let globex_org = globex.data()["me"]["organization"]["id"]
        .as_str()
        .expect("org")
        .to_owned();
    let mut world = World {
        app,
        bearer,
        globex_org,
        globex_admin,
        acme_org,
        acme_engineer,
        acme_token,
        acme_product: String::new(),
        acme_draft: String::new(),
        acme_submitted: String::new(),
        acme_accepted: String::new(),
        acme_draft_file: String::new(),
        acme_build: String::new(),
        acme_serial: String::new(),
        acme_lot: String::new(),
        acme_webhook: String::new(),
        acme_delivery: String::new(),
        acme_box_draft: String::new(),
        acme_box_build: String::new(),
        acme_campaign: String::new(),
    };
    // Acme hears of its submissions at a closed port (the deliveries fail, which is fine here).
    world.app.state.webhooks.set_allow_private(true);
    world.acme_webhook = world.fresh_acme_webhook(0).await;
    world.acme_draft = world.fresh_package("T-DRAFT", "DRAFT").await;
    world.acme_submitted = world.fresh_package("T-SUBMITTED", "SUBMITTED").await;
    world.acme_accepted = world.fresh_package("T-ACCEPTED", "ACCEPTED").await;
    let deliveries = world
        .app
        .gql(
            world.bearer(Caller::AcmeAdmin),
            "query($e: ID!) { webhookDeliveries(endpointId: $e) { id } }",
            json!({"e": world.acme_webhook}),
        )
        .await;
    world.acme_delivery = deliveries.data()["webhookDeliveries"][0]["id"]
        .as_str()
        .expect("a delivery")
        .to_owned();
    let engineer = world.bearer(Caller::AcmeEngineer).map(str::to_owned);
    let query = "query($id: ID!) { npiPackage(id: $id) { product { id } files { id } } }";
    let draft = world
        .app
        .gql(engineer.as_deref(), query, json!({"id": world.acme_draft}))
        .await;
    let submitted = world
        .app
        .gql(
            engineer.as_deref(),
            query,
            json!({"id": world.acme_submitted}),
        )
        .await;
    // The product of the submitted package: the EMS may see that one.
    world.acme_product = submitted.data()["npiPackage"]["product"]["id"]
        .as_str()
        .expect("product")
        .to_owned();
    world.acme_draft_file = draft.data()["npiPackage"]["files"][0]["id"]
        .as_str()
        .expect("file")
        .to_owned();
    let pm = world.ems_pm();
    let routing = json!([{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]);
    let build = world
        .app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": world.acme_accepted, "phase": "PILOT", "quantity": 100, "dueDate": "2099-01-01", "routing": routing}}))
        .await;
    world.acme_build = build.data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    world.acme_serial = world.fresh_unit(0, 0).await;
    let lot = world
        .app
        .gql(Some(&pm), "mutation { receiveComponentLot(input: {mpn: \"MATRIX-MPN\", manufacturer: \"M\", lotCode: \"MATRIX-LOT\", reelId: \"MATRIX-REEL\", quantity: 10}) { id } }", json!({}))
        .await;
    world.acme_lot = lot.data()["receiveComponentLot"]["id"]
        .as_str()
        .expect("lot")
        .to_owned();
    world
        .app
        .gql(Some(&pm), "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }",
            json!({"i": {"lotId": world.acme_lot, "buildId": world.acme_build, "designators": ["C1"], "serials": [world.acme_serial]}}))
        .await
        .data();
    world.acme_box_draft = world.box_package("T-BOX-DRAFT", false).await;
    let box_package = world.box_package("T-BOX", true).await;
    let box_build = world
        .app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": box_package, "phase": "PILOT", "quantity": 100, "dueDate": "2099-01-01", "routing": [{"kind": "BOX_BUILD", "name": "Box"}]}}))
        .await;
    world.acme_box_build = box_build.data()["createBuild"]["id"]
        .as_str()
        .expect("box build")
        .to_owned();
    let campaign = world
        .app
        .gql(Some(&pm), "mutation { createRecallCampaign(input: {mpn: \"MATRIX-MPN\", lotCode: \"MATRIX-LOT\", title: \"Matrix recall\"}) { id } }", json!({}))
        .await;
    world.acme_campaign = campaign.data()["createRecallCampaign"]["id"]
        .as_str()
        .expect("campaign")
        .to_owned();
    world
}

/// Ids of records `caller` may not see: none of them may appear anywhere in an answer it gets.
fn invisible_ids(world: &World, caller: Caller) -> Vec<&str> {
    let acme_all = [
        world.acme_org.as_str(),
        world.acme_engineer.as_str(),
        world.acme_token.as_str(),
        world.acme_product.as_str(),
        world.acme_draft.as_str(),
        world.acme_submitted.as_str(),
        world.acme_accepted.as_str(),
        world.acme_draft_file.as_str(),
        world.acme_build.as_str(),
        world.acme_lot.as_str(),
        world.acme_webhook.as_str(),
        world.acme_delivery.as_str(),
        world.acme_box_draft.as_str(),
        world.acme_box_build.as_str(),
        world.acme_campaign.as_str(),
    ];
    let globex_all = [world.globex_org.as_str(), world.globex_admin.as_str()];
    if is_globex(caller) {
        acme_all.to_vec()
    } else if is_ems(caller) {
        // The EMS sees Acme's submitted work, never its drafts, its people's ids or its tokens.
        let mut ids = vec![
            world.acme_draft.as_str(),
            world.acme_draft_file.as_str(),
            world.acme_token.as_str(),
            world.acme_webhook.as_str(),
            world.acme_delivery.as_str(),
            world.acme_box_draft.as_str(),
        ];
        ids.extend(globex_all);
        ids
    } else if is_acme(caller) {
        globex_all.to_vec()
    } else {
        Vec::new()
    }
}

/// Walks an answer's data for an id the caller may not see.
fn no_invisible_ids(world: &World, caller: Caller, data: &Value) -> Result<(), String> {
    fn walk<'v>(value: &'v Value, found: &mut Vec<&'v str>) {
        match value {
            Value::String(text) => found.push(text),
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            Value::Object(fields) => fields.values().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    if data.is_null() {
        return Err("allowed, but no data".to_owned());
    }
    let mut strings = Vec::new();
    walk(data, &mut strings);
    let invisible = invisible_ids(world, caller);
    match strings.iter().find(|s| invisible.contains(s)) {
        Some(leaked) => Err(format!(
            "the answer holds {leaked}, which it may not see: {data}"
        )),
        None => Ok(()),
    }
}

/// An extra check on a successful answer.
type Check = fn(&World, Caller, &Value) -> Result<(), String>;

/// One row of the matrix: an operation, the variables, and the expected answer per caller.
struct Case {
    name: &'static str,
    query: &'static str,
    variables: Value,
    expect: fn(Caller) -> Expect,
    /// Extra check on a successful answer (e.g. that a list holds no foreign rows).
    check: Option<Check>,
}

fn users_only(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::AcmeReadToken | Caller::AcmeWriteToken => FORBIDDEN,
        _ => Allowed,
    }
}

fn readers(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::AcmeWriteToken => FORBIDDEN,
        _ => Allowed,
    }
}

fn acme_readers(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::AcmeWriteToken => FORBIDDEN,
        Caller::AcmeAdmin | Caller::AcmeEngineer | Caller::AcmeReadToken => Allowed,
        _ => NOT_FOUND,
    }
}

fn admins(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::AcmeAdmin | Caller::EmsAdmin | Caller::GlobexAdmin => Allowed,
        _ => FORBIDDEN,
    }
}

fn acme_admin_only(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::AcmeAdmin => Allowed,
        // Foreign admins may administer, but not this record: it does not exist for them.
        Caller::EmsAdmin | Caller::GlobexAdmin => NOT_FOUND,
        _ => FORBIDDEN,
    }
}

fn is_acme(caller: Caller) -> bool {
    matches!(
        caller,
        Caller::AcmeAdmin | Caller::AcmeEngineer | Caller::AcmeReadToken | Caller::AcmeWriteToken
    )
}

fn is_ems(caller: Caller) -> bool {
    matches!(
        caller,
        Caller::EmsAdmin | Caller::EmsPm | Caller::EmsQuality | Caller::EmsOperator
    )
}

fn is_globex(caller: Caller) -> bool {
    matches!(caller, Caller::GlobexAdmin | Caller::GlobexEngineer)
}

/// Reads of a record Acme owns and its EMS partner may see.
fn acme_and_partner_readers(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::AcmeWriteToken => FORBIDDEN,
        c if is_globex(c) => NOT_FOUND,
        _ => Allowed,
    }
}

/// Changes only OEM users may make, on a record of Acme's.
fn acme_oem_users(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::AcmeAdmin | Caller::AcmeEngineer => Allowed,
        c if is_globex(c) => NOT_FOUND,
        _ => FORBIDDEN,
    }
}

/// Changes only the EMS program manager may make.
fn program_manager(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::EmsPm => Allowed,
        _ => FORBIDDEN,
    }
}

/// Changes to an Acme file: the EMS cannot see a draft's files at all.
fn acme_draft_file_editors(caller: Caller) -> Expect {
    match caller {
        c if is_ems(c) => NOT_FOUND,
        other => acme_oem_users(other),
    }
}

fn no_acme_rows(world: &World, caller: Caller, data: &Value) -> Result<(), String> {
    let text = data.to_string();
    let is_acme = matches!(
        caller,
        Caller::AcmeAdmin | Caller::AcmeEngineer | Caller::AcmeReadToken | Caller::AcmeWriteToken
    );
    if !is_acme && (text.contains("@acme.example") || text.contains(&world.acme_engineer)) {
        return Err(format!("foreign caller saw Acme rows: {text}"));
    }
    Ok(())
}

fn operations(world: &World) -> Vec<Case> {
    vec![
        Case { name: "me", query: "{ me { id email } }", variables: json!({}), expect: users_only, check: None },
        Case {
            name: "users",
            query: "{ users { id email } }",
            variables: json!({}),
            expect: readers,
            check: Some(no_acme_rows),
        },
        Case {
            name: "user(id)",
            query: "query($id: ID!) { user(id: $id) { id email } }",
            variables: json!({"id": world.acme_engineer}),
            expect: acme_readers,
            check: None,
        },
        Case {
            name: "organization(id)",
            query: "query($id: ID!) { organization(id: $id) { id name } }",
            variables: json!({"id": world.acme_org}),
            // Partners see each other; the foreign OEM does not.
            expect: |caller| match caller {
                Caller::GlobexAdmin | Caller::GlobexEngineer => NOT_FOUND,
                other => readers(other),
            },
            check: None,
        },
        Case {
            name: "apiTokens",
            query: "{ apiTokens { id name } }",
            variables: json!({}),
            expect: admins,
            check: Some(|world, caller, data| {
                if caller != Caller::AcmeAdmin && data.to_string().contains(&world.acme_token) {
                    return Err("foreign admin saw Acme's token".into());
                }
                Ok(())
            }),
        },
        Case {
            name: "auditEvents",
            query: "{ auditEvents(first: 100) { edges { node { action actor subjectId } } } }",
            variables: json!({}),
            expect: admins,
            check: Some(no_acme_rows),
        },
        Case {
            name: "createUser",
            query: "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            variables: Value::Null, // filled per caller below
            expect: admins,
            check: None,
        },
        Case {
            name: "createApiToken",
            query: CREATE_TOKEN,
            variables: json!({"name": "matrix", "scopes": ["READ", "WRITE"]}),
            expect: admins,
            check: None,
        },
        Case {
            name: "changePassword",
            query: "mutation { changePassword(current: \"definitely wrong\", new: \"whatever whatever\") }",
            variables: json!({}),
            // Users are allowed to try; the wrong current password is then BAD_USER_INPUT.
            expect: |caller| match users_only(caller) {
                Allowed => Code("BAD_USER_INPUT"),
                other => other,
            },
            check: None,
        },
        Case {
            name: "deactivateUser",
            query: "mutation($id: ID!) { deactivateUser(id: $id) { id active } }",
            variables: Value::Null, // a fresh victim per caller
            expect: acme_admin_only,
            check: None,
        },
        Case {
            name: "revokeApiToken",
            query: "mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }",
            variables: Value::Null, // a fresh token per caller
            expect: acme_admin_only,
            check: None,
        },
        Case { name: "products", query: "{ products(first: 100) { edges { node { id partNumber } } } }", variables: json!({}), expect: readers, check: Some(no_foreign_products) },
        Case {
            name: "product(id)",
            query: "query($id: ID!) { product(id: $id) { id } }",
            variables: json!({"id": world.acme_product}),
            expect: acme_and_partner_readers,
            check: None,
        },
        Case {
            name: "npiPackages",
            query: "{ npiPackages(first: 100) { edges { node { id status } } } }",
            variables: json!({}),
            expect: readers,
            check: Some(|world, caller, data| {
                let text = data.to_string();
                let sees_draft = text.contains(&world.acme_draft);
                let sees_submitted = text.contains(&world.acme_submitted);
                match caller {
                    c if is_acme(c) && !(sees_draft && sees_submitted) => Err("Acme misses its own packages".into()),
                    c if is_ems(c) && (sees_draft || !sees_submitted) => Err("the EMS must see submitted packages and no drafts".into()),
                    c if is_globex(c) && (sees_draft || sees_submitted) => Err("a foreign OEM saw Acme's packages".into()),
                    _ => Ok(()),
                }
            }),
        },
        Case {
            name: "npiPackage(draft)",
            query: "query($id: ID!) { npiPackage(id: $id) { id files { id } findings { code } } }",
            variables: json!({"id": world.acme_draft}),
            expect: acme_readers,
            check: None,
        },
        Case {
            name: "npiPackage(submitted)",
            query: "query($id: ID!) { npiPackage(id: $id) { id files { id } submissions { number } } }",
            variables: json!({"id": world.acme_submitted}),
            expect: acme_and_partner_readers,
            check: None,
        },
        Case {
            name: "compareRevisions(draft)",
            query: "query($a: ID!) { compareRevisions(fromPackageId: $a, toPackageId: $a) { suggestedFaiScope designators { designator } affectedBuilds { buildId } } }",
            variables: json!({"a": world.acme_draft}),
            expect: acme_readers,
            check: None,
        },
        Case {
            name: "compareRevisions(accepted)",
            query: "query($a: ID!) { compareRevisions(fromPackageId: $a, toPackageId: $a) { suggestedFaiScope faiDesignators affectedBuilds { buildId units { serial } } } }",
            variables: json!({"a": world.acme_accepted}),
            expect: acme_and_partner_readers,
            check: None,
        },
        Case {
            name: "createProduct",
            query: "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }",
            variables: Value::Null,
            expect: |caller| match caller {
                Caller::Anonymous => UNAUTH,
                Caller::AcmeAdmin | Caller::AcmeEngineer | Caller::GlobexAdmin | Caller::GlobexEngineer => Allowed,
                _ => FORBIDDEN,
            },
            check: None,
        },
        Case {
            name: "createNpiPackage",
            query: "mutation($i: CreateNpiPackageInput!) { createNpiPackage(input: $i) { id } }",
            variables: Value::Null,
            expect: acme_oem_users,
            check: None,
        },
        Case {
            name: "uploadPackageFiles",
            query: "",
            variables: Value::Null,
            expect: |caller| match caller {
                c if is_ems(c) => FORBIDDEN,
                other => acme_oem_users(other),
            },
            check: None,
        },
        Case {
            name: "setLayerFunction",
            query: "mutation($id: ID!) { setLayerFunction(fileId: $id, function: COPPER_TOP) { id } }",
            variables: json!({"id": world.acme_draft_file}),
            expect: acme_draft_file_editors,
            check: None,
        },
        Case {
            name: "removePackageFile",
            query: "mutation($id: ID!) { removePackageFile(fileId: $id) { id } }",
            variables: Value::Null,
            expect: acme_draft_file_editors,
            check: None,
        },
        Case {
            name: "submitNpiPackage",
            query: "mutation($id: ID!) { submitNpiPackage(id: $id) { status } }",
            variables: Value::Null,
            expect: acme_oem_users,
            check: None,
        },
        Case {
            name: "startReview",
            query: "mutation($id: ID!) { startReview(id: $id) { status } }",
            variables: Value::Null,
            expect: program_manager,
            check: None,
        },
        Case {
            name: "acceptNpiPackage",
            query: "mutation($id: ID!) { acceptNpiPackage(id: $id, comment: \"ok\") { status } }",
            variables: Value::Null,
            expect: program_manager,
            check: None,
        },
        Case {
            name: "requestChanges",
            query: "mutation($id: ID!) { requestChanges(id: $id, comment: \"fix C3\") { status } }",
            variables: Value::Null,
            expect: program_manager,
            check: None,
        },
        Case {
            name: "addPackageComment",
            query: "mutation($id: ID!) { addPackageComment(packageId: $id, body: \"hello\") { id } }",
            variables: json!({"id": world.acme_submitted}),
            expect: |caller| match caller {
                Caller::Anonymous => UNAUTH,
                Caller::AcmeReadToken | Caller::AcmeWriteToken => FORBIDDEN,
                c if is_globex(c) => NOT_FOUND,
                _ => Allowed,
            },
            check: None,
        },
        Case {
            name: "createRevision",
            query: "mutation($id: ID!, $r: String!) { createRevision(fromPackageId: $id, revision: $r) { id } }",
            variables: Value::Null,
            expect: acme_oem_users,
            check: None,
        },
        Case {
            name: "setRevisionEffectivity",
            query: "mutation($id: ID!, $i: RevisionEffectivityInput!) { setRevisionEffectivity(packageId: $id, input: $i) { kind } }",
            variables: Value::Null,
            expect: acme_oem_users,
            check: None,
        },
    ]
}

/// Work on the factory floor: EMS users (and, where tokens may, EMS tokens; Acme's are OEM).
fn ems_floor(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        c if is_ems(c) => Allowed,
        _ => FORBIDDEN,
    }
}

/// NCRs: EMS quality, program managers and admins, in person.
fn ems_quality_leads(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::EmsQuality | Caller::EmsPm | Caller::EmsAdmin => Allowed,
        _ => FORBIDDEN,
    }
}

/// Closing a corrective action whose 8D is not done: the people who may close it are told
/// why not (CONFLICT); everybody else is refused as usual.
fn ems_quality_leads_refused_early(caller: Caller) -> Expect {
    match ems_quality_leads(caller) {
        Allowed => Code("CONFLICT"),
        other => other,
    }
}

/// Notes on NCRs and CAPAs: EMS quality leads, and the OEM's admins and engineers.
fn quality_note_writers(caller: Caller) -> Expect {
    match caller {
        Caller::EmsQuality | Caller::EmsPm | Caller::EmsAdmin => Allowed,
        Caller::AcmeAdmin | Caller::AcmeEngineer => Allowed,
        Caller::GlobexAdmin | Caller::GlobexEngineer => NOT_FOUND,
        Caller::Anonymous => UNAUTH,
        _ => FORBIDDEN,
    }
}

/// Signing certificates of conformance: EMS quality, in person.
fn ems_quality_signs(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::EmsQuality => Allowed,
        _ => FORBIDDEN,
    }
}

/// Planning builds: the EMS program manager and admin.
fn ems_planners(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::EmsPm | Caller::EmsAdmin => Allowed,
        _ => FORBIDDEN,
    }
}

/// Webhooks: org admins manage their own organization's endpoints and deliveries only.
/// CFX: the EMS maps its endpoints and works its dead letters; nobody else sees them.
fn webhook_operations(world: &World) -> Vec<Case> {
    vec![
        Case { name: "cfxEndpoints", query: "{ cfxEndpoints { id handle } }", variables: json!({}), expect: ems_planners, check: None },
        Case { name: "cfxMessages", query: "{ cfxMessages { id status } }", variables: json!({}), expect: ems_floor, check: None },
        Case {
            name: "mapCfxEndpoint",
            query: "mutation($t: ID!) { mapCfxEndpoint(handle: \"matrix.ict\", station: \"SMT\", apiTokenId: $t) { id } }",
            // Acme's token is not the EMS's to give.
            variables: json!({"t": world.acme_token}),
            expect: |caller| match ems_planners(caller) {
                Allowed => NOT_FOUND,
                other => other,
            },
            check: None,
        },
        Case {
            name: "replayCfxMessage",
            query: "mutation($id: ID!) { replayCfxMessage(id: $id) { id } }",
            variables: json!({"id": uuid::Uuid::now_v7().to_string()}),
            expect: |caller| match ems_floor(caller) {
                Allowed => NOT_FOUND,
                other => other,
            },
            check: None,
        },
        Case {
            name: "webhookEndpoints",
            query: "{ webhookEndpoints { id url } }",
            variables: json!({}),
            expect: admins,
            check: None,
        },
        Case {
            name: "webhookDeliveries",
            query: "query($e: ID!) { webhookDeliveries(endpointId: $e) { id status attempts } }",
            variables: json!({"e": world.acme_webhook}),
            expect: acme_admin_only,
            check: None,
        },
        Case {
            name: "createWebhookEndpoint",
            query: CREATE_WEBHOOK,
            variables: json!({"url": "http://127.0.0.1:9/matrix", "events": ["BUILD_CREATED"]}),
            expect: admins,
            check: None,
        },
        Case {
            name: "updateWebhookEndpoint",
            query: "mutation($id: ID!) { updateWebhookEndpoint(id: $id, description: \"changed\") { id description } }",
            variables: json!({"id": world.acme_webhook}),
            expect: acme_admin_only,
            check: None,
        },
        Case {
            name: "deleteWebhookEndpoint",
            query: "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            variables: Value::Null, // a fresh endpoint per caller
            expect: acme_admin_only,
            check: None,
        },
        Case {
            name: "redeliverWebhook",
            query: "mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id status } }",
            variables: json!({"id": world.acme_delivery}),
            expect: acme_admin_only,
            check: None,
        },
    ]
}

fn build_operations(world: &World) -> Vec<Case> {
    vec![
        Case {
            name: "builds",
            query: "{ builds(first: 100) { edges { node { id } } } }",
            variables: json!({}),
            expect: readers,
            check: Some(|world, caller, data| {
                let sees = data.to_string().contains(&world.acme_build);
                if is_globex(caller) == sees {
                    return Err(format!("sees Acme's build: {sees}"));
                }
                Ok(())
            }),
        },
        Case { name: "build(id)", query: "query($id: ID!) { build(id: $id) { id metrics { unitsStarted } progress { passed } } }", variables: json!({"id": world.acme_build}), expect: acme_and_partner_readers, check: None },
        Case { name: "testStepStatistics", query: "query($id: ID!) { testStepStatistics(buildId: $id, station: \"SMT\") { name stepYield cpk } }", variables: json!({"id": world.acme_build}), expect: acme_and_partner_readers, check: None },
        Case { name: "unit(serial)", query: "query($s: String!) { unit(serial: $s) { serial history { result } genealogy { designator } } }", variables: json!({"s": world.acme_serial}), expect: acme_and_partner_readers, check: None },
        Case {
            name: "componentLots",
            query: "{ componentLots(mpn: \"MATRIX-MPN\") { id } }",
            variables: json!({}),
            expect: readers,
            check: Some(|world, caller, data| {
                if is_globex(caller) && data.to_string().contains(&world.acme_lot) {
                    return Err("a foreign OEM saw the lot".into());
                }
                Ok(())
            }),
        },
        Case { name: "traceLot", query: "query($id: ID!) { traceLot(lotId: $id) { totalUnits } }", variables: json!({"id": world.acme_lot}), expect: acme_and_partner_readers, check: None },
        Case {
            name: "traceComponent",
            query: "{ traceComponent(mpn: \"MATRIX-MPN\", lotCode: \"MATRIX-LOT\") { totalUnits units { edges { node { serial } } } } }",
            variables: json!({}),
            expect: readers,
            check: Some(|_, caller, data| {
                let total = data["traceComponent"]["totalUnits"].as_i64().unwrap_or(-1);
                let want = if is_globex(caller) { 0 } else { 1 };
                if total != want {
                    return Err(format!("traced {total} units, expected {want}"));
                }
                Ok(())
            }),
        },
        Case {
            name: "organizationMetrics",
            query: "{ organizationMetrics(from: \"2000-01-01T00:00:00Z\", to: \"2100-01-01T00:00:00Z\") { firstPassYield buildsShipped } }",
            variables: json!({}),
            expect: readers,
            check: None,
        },
        Case {
            name: "createBuild",
            query: "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            variables: json!({"i": {"packageId": world.acme_accepted, "phase": "PROTOTYPE", "quantity": 5, "dueDate": "2099-01-01", "routing": [{"kind": "AOI", "name": "AOI"}]}}),
            expect: ems_planners,
            check: None,
        },
        Case {
            name: "serializeUnits",
            query: "mutation($b: ID!, $p: String!) { serializeUnits(buildId: $b, count: 1, pattern: $p, allowOverQuantity: true) { serial } }",
            variables: Value::Null,
            expect: ems_floor,
            check: None,
        },
        Case { name: "addUnits", query: "mutation($b: ID!, $s: [String!]!) { addUnits(buildId: $b, serials: $s, allowOverQuantity: true) { serial } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "recordStationResult", query: "mutation($i: StationResultInput!) { recordStationResult(input: $i) { unit { status } } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "recordStationResults", query: "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "recordDefect", query: "mutation($i: DefectInput!) { recordDefect(input: $i) { unit { status } } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "purchaseOrders", query: "{ purchaseOrders { id poNumber } }", variables: json!({}), expect: ems_planners, check: Some(no_acme_rows) },
        Case { name: "attritionRates", query: "{ attritionRates { partClass percent } }", variables: json!({}), expect: ems_planners, check: None },
        Case { name: "alternateParts", query: "query($p: ID!) { alternateParts(packageId: $p) { id mpn } }", variables: json!({"p": world.acme_accepted}), expect: acme_and_partner_readers, check: None },
        Case { name: "materialStatus", query: "query($b: ID!) { build(id: $b) { materialStatus { clearNow lines { mpn shortage } } } }", variables: json!({"b": world.acme_build}), expect: acme_and_partner_readers, check: None },
        Case { name: "recordPurchaseOrder", query: "mutation($i: PurchaseOrderInput!) { recordPurchaseOrder(input: $i) { id } }", variables: Value::Null, expect: ems_planners, check: None },
        Case { name: "updatePurchaseOrderPromise", query: "mutation($l: ID!) { updatePurchaseOrderPromise(lineId: $l, promisedDate: \"2099-04-01\") { promisedDate } }", variables: Value::Null, expect: ems_planners, check: None },
        Case { name: "receivePurchaseOrderLine", query: "mutation($l: ID!, $i: PurchaseOrderReceiptInput!) { receivePurchaseOrderLine(lineId: $l, input: $i) { line { receivedQuantity } } }", variables: Value::Null, expect: ems_planners, check: None },
        Case { name: "proposeAlternatePart", query: "mutation($i: AlternatePartInput!) { proposeAlternatePart(input: $i) { id } }", variables: Value::Null, expect: ems_planners, check: None },
        Case { name: "decideAlternatePart", query: "mutation($id: ID!) { decideAlternatePart(id: $id, approve: true, note: \"Qualified\") { status } }", variables: Value::Null, expect: acme_oem_users, check: None },
        Case { name: "setAttritionRate", query: "mutation { setAttritionRate(partClass: CHIP_PASSIVE, percent: 0.5) { percent } }", variables: json!({}), expect: ems_planners, check: None },
        Case { name: "setMaterialSource", query: "mutation($b: ID!) { setMaterialSource(buildId: $b, mpn: \"LM358DR\", source: CONSIGNED) }", variables: json!({"b": world.acme_build}), expect: ems_planners, check: None },
        Case { name: "disposeDefect", query: "mutation($d: ID!) { disposeDefect(defectId: $d, disposition: REWORK) { defect { disposition } unit { status } } }", variables: Value::Null, expect: ems_floor, check: None },
        Case {
            name: "addShipToAddress",
            query: "mutation { addShipToAddress(input: {name: \"Dock\", street: \"1 Way\", city: \"Reno\", postalCode: \"89502\", country: \"US\"}) { id } }",
            variables: json!({}),
            expect: |caller| match caller {
                Caller::Anonymous => UNAUTH,
                Caller::AcmeAdmin | Caller::AcmeEngineer | Caller::GlobexAdmin | Caller::GlobexEngineer => Allowed,
                _ => FORBIDDEN,
            },
            check: None,
        },
        Case { name: "shipToAddresses", query: "{ shipToAddresses { id name } }", variables: json!({}), expect: readers, check: None },
        Case { name: "shipments", query: "{ shipments { id destination } }", variables: json!({}), expect: readers, check: None },
        Case { name: "materialDemand", query: "{ materialDemand { mpn builds { buildId } } }", variables: json!({}), expect: readers, check: None },
        Case { name: "deliveryPerformance", query: "{ deliveryPerformance { shipments percentToDueDate } }", variables: json!({}), expect: readers, check: None },
        Case { name: "shipment", query: "query($id: ID!) { shipment(id: $id) { id asn onTime { toDueDate } certificate { signed } } }", variables: Value::Null, expect: acme_and_partner_readers, check: None },
        Case { name: "ncrs", query: "{ ncrs { id number items { serial } } }", variables: json!({}), expect: readers, check: None },
        Case { name: "ncr", query: "query($id: ID!) { ncr(id: $id) { id items { contained } } }", variables: Value::Null, expect: acme_and_partner_readers, check: None },
        Case { name: "openNcr", query: "mutation($s: String!) { openNcr(input: {title: \"T\", description: \"D\", severity: MINOR, serials: [$s]}) { id } }", variables: Value::Null, expect: ems_quality_leads, check: None },
        Case {
            name: "openNcr (FAI characteristic)",
            query: "mutation($c: ID!) { openNcr(input: {title: \"T\", description: \"D\", severity: MAJOR, faiCharacteristicIds: [$c]}) { id } }",
            variables: Value::Null,
            // Linking the characteristic writes the FAI report: EMS quality alone.
            expect: |caller| match caller {
                Caller::Anonymous => UNAUTH,
                Caller::EmsQuality => Allowed,
                _ => FORBIDDEN,
            },
            check: None,
        },
        Case { name: "dispositionNcrItem", query: "mutation($i: ID!) { dispositionNcrItem(itemId: $i, disposition: REWORK, reason: \"R\") { id } }", variables: Value::Null, expect: ems_quality_leads, check: None },
        Case { name: "reviewNcrDispositions", query: "mutation($id: ID!) { reviewNcrDispositions(ncrId: $id, approve: true, password: \"firstpass-demo\", reason: \"R\") { id } }", variables: Value::Null, expect: acme_oem_users, check: None },
        Case { name: "closeNcr", query: "mutation($id: ID!) { closeNcr(id: $id) { id } }", variables: Value::Null, expect: ems_quality_leads, check: None },
        Case { name: "qualityMetrics", query: "{ qualityMetrics { openNcrs { age count } repeatDefects { code } } }", variables: json!({}), expect: readers, check: None },
        Case { name: "capas", query: "{ capas { id number disciplines { discipline } } }", variables: json!({}), expect: readers, check: None },
        Case { name: "capa", query: "query($id: ID!) { capa(id: $id) { id ncrs { id } effectiveness { passed } } }", variables: Value::Null, expect: acme_and_partner_readers, check: None },
        Case { name: "escalateNcr", query: "mutation($n: ID!) { escalateNcr(ncrId: $n, title: \"T\") { id } }", variables: Value::Null, expect: ems_quality_leads, check: None },
        Case { name: "raiseCorrectiveAction", query: "mutation($n: ID!) { raiseCorrectiveAction(input: {title: \"T\", description: \"D\", ncrIds: [$n]}) { id } }", variables: Value::Null, expect: acme_oem_users, check: None },
        Case { name: "updateCapaDiscipline", query: "mutation($c: ID!) { updateCapaDiscipline(capaId: $c, discipline: D1, owner: \"O\", content: \"Team\") { id } }", variables: Value::Null, expect: ems_quality_leads, check: None },
        Case { name: "signCapaDiscipline", query: "mutation($c: ID!) { signCapaDiscipline(capaId: $c, discipline: D4, password: \"firstpass-demo\", reason: \"R\") { id } }", variables: Value::Null, expect: ems_quality_leads, check: None },
        Case { name: "setCapaEffectivenessCheck", query: "mutation($c: ID!) { setCapaEffectivenessCheck(capaId: $c, stationKind: AOI, thresholdPercent: 90, windowUnits: 5) { id } }", variables: Value::Null, expect: ems_quality_leads, check: None },
        Case { name: "closeCapa", query: "mutation($c: ID!) { closeCapa(id: $c) { id } }", variables: Value::Null, expect: ems_quality_leads_refused_early, check: None },
        Case { name: "addQualityNote", query: "mutation($r: ID!) { addQualityNote(recordId: $r, text: \"N\") { id } }", variables: Value::Null, expect: quality_note_writers, check: None },
        Case { name: "signCertificateOfConformance", query: "mutation($id: ID!) { signCertificateOfConformance(shipmentId: $id, password: \"firstpass-demo\") { contentHash } }", variables: Value::Null, expect: ems_quality_signs, check: None },
        Case { name: "createShipment", query: "mutation($i: CreateShipmentInput!) { createShipment(input: $i) { id } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "shipUnits", query: "mutation($i: ShipUnitsInput!) { shipUnits(input: $i) { units } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "receiveComponentLot", query: "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "recordLotUsage", query: "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }", variables: Value::Null, expect: ems_floor, check: None },
    ]
}

/// Recall campaigns: OEM engineers and admins, EMS program managers, quality and admins, and
/// WRITE tokens; a foreign OEM finds no unit of its own to recall.
fn recall_runners(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => UNAUTH,
        Caller::EmsOperator | Caller::AcmeReadToken => FORBIDDEN,
        c if is_globex(c) => Code("BAD_USER_INPUT"),
        _ => Allowed,
    }
}

/// Changes to Acme's campaign: the runners of recalls, Globex finding nothing.
fn campaign_editors(caller: Caller) -> Expect {
    match recall_runners(caller) {
        Code("BAD_USER_INPUT") => NOT_FOUND,
        other => other,
    }
}

fn box_build_operations(world: &World) -> Vec<Case> {
    vec![
        Case {
            name: "setPackageStandards",
            query: "mutation($id: ID!) { setPackageStandards(packageId: $id, standards: [{standard: IPC_A_630, class: CLASS_2}]) { standards { standard } } }",
            variables: json!({"id": world.acme_box_draft}),
            expect: acme_oem_users,
            check: None,
        },
        Case {
            name: "setBoxBuildBom",
            query: "mutation($id: ID!) { setBoxBuildBom(packageId: $id, lines: [{position: \"PSU\", kind: BOUGHT, partNumber: \"PSU-1\"}]) { boxBuildBom { position } } }",
            variables: json!({"id": world.acme_box_draft}),
            expect: acme_oem_users,
            check: None,
        },
        Case {
            name: "importBoxBuildBom",
            query: "mutation($id: ID!) { importBoxBuildBom(packageId: $id, fileName: \"box-bom.csv\") { boxBuildBom { position } } }",
            variables: json!({"id": world.acme_box_draft}),
            expect: acme_oem_users,
            check: None,
        },
        Case { name: "installSubassembly", query: "mutation($p: String!, $c: String!) { installSubassembly(parentSerial: $p, childSerial: $c, position: \"PCBA\") { position child { serial } } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "removeSubassembly", query: "mutation($p: String!, $c: String!) { removeSubassembly(parentSerial: $p, childSerial: $c, reason: \"matrix\") { removedAt } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "recordUnitIdentity", query: "mutation($s: String!, $i: UnitIdentityInput!) { recordUnitIdentity(serial: $s, identity: $i) { identity { imei } } }", variables: Value::Null, expect: ems_floor, check: None },
        Case { name: "recordShipmentDelivered", query: "mutation($id: ID!) { recordShipmentDelivered(shipmentId: $id) { deliveredAt } }", variables: Value::Null, expect: ems_floor, check: None },
        Case {
            name: "unit(serial) box fields",
            query: "query($s: String!) { unit(serial: $s) { parent { serial } children { position } installedIn { position } identity { imei macAddresses } lotsAtEveryLevel { designator lot { id } } } }",
            variables: json!({"s": world.acme_serial}),
            expect: acme_and_partner_readers,
            check: None,
        },
        Case {
            name: "traceComponent(top level)",
            query: "{ traceComponent(mpn: \"MATRIX-MPN\", lotCode: \"MATRIX-LOT\") { totalTopLevelUnits topLevelUnits { edges { node { serial paths { text } } } } } }",
            variables: json!({}),
            expect: readers,
            check: Some(|_, caller, data| {
                // The lot's own unit, and those recordLotUsage's cases added before.
                let total = data["traceComponent"]["totalTopLevelUnits"].as_i64().unwrap_or(-1);
                if is_globex(caller) != (total == 0) || total < 0 {
                    return Err(format!("traced {total} top-level units"));
                }
                Ok(())
            }),
        },
        Case {
            name: "recallImpact",
            query: "{ recallImpact(mpn: \"MATRIX-MPN\", lotCode: \"MATRIX-LOT\") { total { units inFactory } byOem { id label } } }",
            variables: json!({}),
            expect: readers,
            check: Some(|_, caller, data| {
                let total = data["recallImpact"]["total"]["units"].as_i64().unwrap_or(-1);
                if is_globex(caller) != (total == 0) || total < 0 {
                    return Err(format!("{total} units to recall"));
                }
                Ok(())
            }),
        },
        Case { name: "recallCampaigns", query: "{ recallCampaigns { id units { serial } } }", variables: json!({}), expect: readers, check: None },
        Case { name: "recallCampaign(id)", query: "query($id: ID!) { recallCampaign(id: $id) { id oem { name } ems { name } statusCounts { status units } units { serial unit { serial } } } }", variables: json!({"id": world.acme_campaign}), expect: acme_and_partner_readers, check: None },
        Case {
            name: "createRecallCampaign",
            query: "mutation { createRecallCampaign(input: {mpn: \"MATRIX-MPN\", lotCode: \"MATRIX-LOT\", title: \"Again\"}) { id units { serial } } }",
            variables: json!({}),
            expect: recall_runners,
            check: None,
        },
        Case {
            name: "setRecallUnitStatus",
            query: "mutation($id: ID!, $s: String!) { setRecallUnitStatus(campaignId: $id, serials: [$s], status: RECOVERED) { id } }",
            variables: json!({"id": world.acme_campaign, "s": world.acme_serial}),
            expect: campaign_editors,
            check: None,
        },
    ]
}

fn no_foreign_products(world: &World, caller: Caller, data: &Value) -> Result<(), String> {
    if is_globex(caller) && data.to_string().contains(&world.acme_product) {
        return Err("a foreign OEM saw Acme's product".into());
    }
    Ok(())
}

#[tokio::test]
async fn every_operation_for_every_caller() {
    let world = world().await;
    let mut failures = Vec::new();
    let mut n = 0;
    let mut cases = operations(&world);
    cases.extend(build_operations(&world));
    cases.extend(webhook_operations(&world));
    cases.extend(box_build_operations(&world));
    for case in cases {
        for &caller in CALLERS {
            n += 1;
            let variables = match case.name {
                "createUser" => {
                    let role = match caller {
                        Caller::EmsAdmin => "EMS_OPERATOR",
                        _ => "OEM_ENGINEER",
                    };
                    json!({"input": {"email": format!("new{n}@example.com"), "fullName": "New Person", "role": role, "password": "a good long password"}})
                }
                "deactivateUser" => json!({"id": world.fresh_acme_user(n).await}),
                "revokeApiToken" => json!({"id": world.fresh_acme_token(n).await}),
                "deleteWebhookEndpoint" => json!({"id": world.fresh_acme_webhook(n).await}),
                "createProduct" => {
                    json!({"i": {"partNumber": format!("P-{n}"), "name": "Matrix product"}})
                }
                "createNpiPackage" => json!({"i": {
                    "productId": world.acme_product, "revision": format!("M{n}"),
                    "emsOrganizationId": world.app.ems_id(&world.engineer()).await, "ipcClass": "CLASS_3"}}),
                "removePackageFile" => json!({"id": world.fresh_draft_file(n).await}),
                "submitNpiPackage" => {
                    json!({"id": world.fresh_package(&format!("S-{n}"), "DRAFT").await})
                }
                "startReview" => {
                    json!({"id": world.fresh_package(&format!("R-{n}"), "SUBMITTED").await})
                }
                "acceptNpiPackage" | "requestChanges" => {
                    json!({"id": world.fresh_package(&format!("A-{n}"), "IN_REVIEW").await})
                }
                "createRevision" => json!({"id": world.acme_accepted, "r": format!("R{n}")}),
                "setRevisionEffectivity" => {
                    let made = world
                        .app
                        .gql(
                            Some(&world.engineer()),
                            "mutation($id: ID!, $r: String!) { createRevision(fromPackageId: $id, revision: $r) { id } }",
                            json!({"id": world.acme_accepted, "r": format!("E{n}")}),
                        )
                        .await;
                    json!({"id": made.data()["createRevision"]["id"], "i": {"kind": "NEXT_BUILD"}})
                }
                "serializeUnits" => {
                    json!({"b": world.acme_build, "p": format!("SER{n}-{{SEQ:4}}")})
                }
                "addUnits" => json!({"b": world.acme_build, "s": [format!("ADD-{n}")]}),
                "recordStationResult" => {
                    json!({"i": {"serial": world.fresh_unit(n, 0).await, "station": "SMT", "result": "PASS"}})
                }
                "recordStationResults" => {
                    json!({"i": [{"serial": world.fresh_unit(n, 0).await, "station": "SMT", "result": "PASS", "idempotencyKey": format!("k{n}")}]})
                }
                "recordDefect" => {
                    json!({"i": {"serial": world.fresh_unit(n, 1).await, "station": "AOI", "designator": "U1", "code": "VOID", "disposition": "USE_AS_IS"}})
                }
                "disposeDefect" => json!({"d": world.fresh_pending_defect(n).await}),
                "recordPurchaseOrder" => {
                    json!({"i": {"poNumber": format!("PO-M-{n}"), "supplier": "Arrow", "lines": [{"mpn": "LM358DR", "manufacturer": "Texas Instruments", "quantity": 10, "promisedDate": "2099-02-01"}]}})
                }
                "updatePurchaseOrderPromise" => json!({"l": world.fresh_order_line(n).await}),
                "receivePurchaseOrderLine" => {
                    json!({"l": world.fresh_order_line(n).await, "i": {"quantity": 10, "lotCode": "L1", "reelId": format!("PO-REEL-{n}")}})
                }
                "proposeAlternatePart" => {
                    json!({"i": {"packageId": world.acme_accepted, "mpn": "LM358DR", "alternateMpn": format!("LM358-P-{n}"), "alternateManufacturer": "onsemi", "reason": "lead time"}})
                }
                "decideAlternatePart" => json!({"id": world.fresh_alternate(n).await}),
                "shipUnits" => {
                    json!({"i": {"buildId": world.acme_build, "serials": [world.fresh_unit(n, 2).await], "destination": "D", "carrier": "C", "trackingNumber": "T"}})
                }
                "receiveComponentLot" => {
                    json!({"i": {"mpn": "X", "manufacturer": "Y", "lotCode": "Z", "reelId": format!("REEL-{n}"), "quantity": 1}})
                }
                "installSubassembly" => {
                    json!({"p": world.fresh_box(n).await, "c": world.fresh_unit(n, 2).await})
                }
                "removeSubassembly" => {
                    let (parent, child) = world.fresh_installed(n).await;
                    json!({"p": parent, "c": child})
                }
                "recordUnitIdentity" => json!({
                    "s": world.fresh_unit(n, 0).await,
                    "i": {"imei": firstpass_shared::boxbuild::imei_with_check_digit(&format!("35{n:012}")),
                          "macAddresses": [format!("02:00:00:00:{:02X}:{:02X}", n / 256, n % 256)]}}),
                "recordShipmentDelivered" => json!({"id": world.fresh_shipment(n).await}),
                "capa" => json!({"id": world.fresh_capa(n).await}),
                "addQualityNote" => json!({"r": world.fresh_ncr(n, "open").await.0}),
                "escalateNcr" | "raiseCorrectiveAction" => {
                    json!({"n": world.fresh_ncr(n, "open").await.0})
                }
                "updateCapaDiscipline"
                | "signCapaDiscipline"
                | "setCapaEffectivenessCheck"
                | "closeCapa" => json!({"c": world.fresh_capa(n).await}),
                "ncr" => json!({"id": world.fresh_ncr(n, "open").await.0}),
                "openNcr" => json!({"s": world.fresh_unit(n, 1).await}),
                "openNcr (FAI characteristic)" => {
                    json!({"c": world.fresh_fai_characteristic(n).await})
                }
                "dispositionNcrItem" => json!({"i": world.fresh_ncr(n, "open").await.1}),
                "reviewNcrDispositions" => json!({"id": world.fresh_ncr(n, "review").await.0}),
                "closeNcr" => json!({"id": world.fresh_ncr(n, "done").await.0}),
                "shipment" | "signCertificateOfConformance" => {
                    json!({"id": world.fresh_shipment(n).await})
                }
                "createShipment" => {
                    json!({"i": {"buildId": world.acme_build, "shipToAddressId": world.fresh_address(n).await,
                    "carrier": "UPS", "trackingNumber": "T", "cartons": [{"serials": [world.fresh_unit(n, 2).await]}]}})
                }
                "recordLotUsage" => {
                    json!({"i": {"lotId": world.acme_lot, "buildId": world.acme_build, "designators": ["C2"], "serials": [world.fresh_unit(n, 0).await]}})
                }
                _ => case.variables.clone(),
            };
            let result = if case.name == "uploadPackageFiles" {
                let file = vec![(format!("upload-{n}.txt"), b"hello".to_vec())];
                world
                    .app
                    .upload(world.bearer(caller), &world.acme_draft, &file)
                    .await
            } else {
                world
                    .app
                    .gql(world.bearer(caller), case.query, variables)
                    .await
            };
            let got = match result.code() {
                None => Allowed,
                Some(code) => Code(match code {
                    "UNAUTHENTICATED" => "UNAUTHENTICATED",
                    "FORBIDDEN" => "FORBIDDEN",
                    "NOT_FOUND" => "NOT_FOUND",
                    "BAD_USER_INPUT" => "BAD_USER_INPUT",
                    "CONFLICT" => "CONFLICT",
                    "RATE_LIMITED" => "RATE_LIMITED",
                    _ => "INTERNAL",
                }),
            };
            let want = (case.expect)(caller);
            if got != want {
                failures.push(format!(
                    "{} as {caller:?}: expected {want:?}, got {got:?}: {}",
                    case.name, result.body
                ));
                continue;
            }
            if got == Allowed {
                if let Err(why) = no_invisible_ids(&world, caller, &result.body["data"]) {
                    failures.push(format!("{} as {caller:?}: {why}", case.name));
                }
                if let Some(check) = case.check {
                    if let Err(why) = check(&world, caller, &result.body["data"]) {
                        failures.push(format!("{} as {caller:?}: {why}", case.name));
                    }
                }
            } else if result.body["data"]
                .as_object()
                .is_some_and(|d| d.values().any(|v| !v.is_null()))
            {
                failures.push(format!(
                    "{} as {caller:?}: refused but data leaked: {}",
                    case.name, result.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_foreign_id_answers_exactly_like_a_missing_one() {
    let world = world().await;
    let globex = world.bearer(Caller::GlobexAdmin);
    let query = "query($id: ID!) { user(id: $id) { id } }";
    let foreign = world
        .app
        .gql(globex, query, json!({"id": world.acme_engineer}))
        .await;
    let missing = world
        .app
        .gql(
            globex,
            query,
            json!({"id": uuid::Uuid::now_v7().to_string()}),
        )
        .await;
    let malformed = world
        .app
        .gql(globex, query, json!({"id": "not-an-id"}))
        .await;
    let strip = |v: &Value| json!({"message": v["errors"][0]["message"], "code": v["errors"][0]["extensions"]["code"], "data": v["data"]});
    assert_eq!(strip(&foreign.body), strip(&missing.body));
    assert_eq!(strip(&foreign.body), strip(&malformed.body));
}
