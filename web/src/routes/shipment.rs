//! `/shipments/:id`: one shipment for both sides: where it went, on-time delivery, its cartons
//! with their serials, the advance ship notice (CSV and JSON downloads) and the certificate of
//! conformance (PDF download; EMS quality signs it here with their password).

use firstpass_shared::domain::Role;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::files::{download, save_typed};
use crate::api::ops::{shipment, sign_certificate, Shipment, SignCertificate};
use crate::api::ApiError;
use crate::session::Session;
use crate::ui::{short_time, ErrorLine, Loading};

/// `/shipments/:id`.
#[component]
pub fn ShipmentPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let tick = RwSignal::new(0_u32);
    let data = LocalResource::new(move || {
        tick.track();
        session.run::<Shipment>(shipment::Variables { id: id.get() })
    });
    let download_error = RwSignal::new(None::<ApiError>);
    let fetch = move |url: String, name: String, mime: &'static str| {
        leptos::task::spawn_local(async move {
            let result = session
                .authorized(|token| {
                    let url = url.clone();
                    async move { download(&url, &token).await }
                })
                .await
                .and_then(|bytes| save_typed(&name, mime, &bytes));
            download_error.set(result.err());
        });
    };
    let signing = RwSignal::new(false);
    let is_quality = move || session.profile().map(|p| p.role) == Some(Role::EmsQuality);

    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <A href="/builds">"Builds"</A>
            " / "
            {move || data.get().and_then(Result::ok).map(|d| {
                let build = d.shipment.build_id;
                view! { <A href=format!("/builds/{build}")>"Build"</A> " / " }
            })}
            <span>"Shipment"</span>
        </nav>
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
            Some(Ok(d)) => {
                let s = d.shipment;
                let short = s.id.chars().take(8).collect::<String>();
                let units: usize = s.cartons.iter().map(|c| c.serials.len()).sum();
                let pallets = {
                    let mut p: Vec<i64> = s.cartons.iter().filter_map(|c| c.pallet).collect();
                    p.sort_unstable();
                    p.dedup();
                    p.len()
                };
                let on_time = s.on_time.clone();
                let to_due = if on_time.to_due_date { "on time" } else { "late" };
                let to_request = match (&on_time.requested_date, on_time.to_requested_date) {
                    (None, _) => "no date requested".to_owned(),
                    (Some(d), None) => format!("requested {d}; not delivered yet"),
                    (Some(d), Some(true)) => format!("requested {d}; delivered on time"),
                    (Some(d), Some(false)) => format!("requested {d}; late"),
                };
                let cert = s.certificate.clone();
                let (csv_url, pdf_url) = (format!("/shipments/{}/asn.csv", s.id), cert.pdf_url.clone());
                let asn_json = serde_json::to_string_pretty(&s.asn).unwrap_or_default();
                let (csv_name, json_name, pdf_name) = (
                    format!("asn-{short}.csv"),
                    format!("asn-{short}.json"),
                    format!("coc-{short}.pdf"),
                );
                let shipment_id = s.id.clone();
                let hash = cert.content_hash.clone();
                view! {
                    <section class="card" aria-labelledby="shipment-title">
                        <h1 id="shipment-title">{format!("Shipment {short}")}</h1>
                        <dl class="facts" id="shipment-facts">
                            <dt>"Ship to"</dt>
                            <dd id="shipment-destination">{s.destination.clone()}</dd>
                            <dt>"Carrier"</dt>
                            <dd>{format!("{} · tracking {}", s.carrier, s.tracking_number)}</dd>
                            <dt>"Customer PO"</dt>
                            <dd>{s.customer_po.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                            <dt>"Shipped"</dt>
                            <dd>{short_time(&s.shipped_at)}</dd>
                            <dt>"Packed"</dt>
                            <dd id="shipment-packed">{
                                let on = if pallets == 0 { String::new() } else { format!(" on {pallets} pallets") };
                                format!("{units} units in {} cartons{on}", s.cartons.len())
                            }</dd>
                            <dt>"On time"</dt>
                            <dd id="shipment-on-time" data-due=to_due>
                                {format!("Due {}: shipped {to_due} · {to_request}", on_time.due_date)}
                                {on_time.delivered_on.clone().map(|d| format!(" · delivered {d}"))}
                            </dd>
                        </dl>
                        <div class="actions">
                            <button id="download-asn-csv" type="button" class="button secondary"
                                on:click=move |_| fetch(csv_url.clone(), csv_name.clone(), "text/csv")>"ASN (CSV)"</button>
                            <button id="download-asn-json" type="button" class="button secondary"
                                on:click=move |_| {
                                    download_error.set(save_typed(&json_name, "application/json", asn_json.as_bytes()).err());
                                }>"ASN (JSON)"</button>
                            <button id="download-certificate" type="button" class="button secondary"
                                on:click=move |_| fetch(pdf_url.clone(), pdf_name.clone(), "application/pdf")>"Certificate (PDF)"</button>
                        </div>
                        {move || download_error.get().map(|error| view! { <ErrorLine error /> })}
                    </section>
                    <section class="card" aria-labelledby="certificate-title">
                        <h2 id="certificate-title">"Certificate of conformance"</h2>
                        {if cert.signed {
                            let who = cert.signatures.iter().map(|sig| format!("{} ({}), {}", sig.signer.printed_name, sig.signer.email, short_time(&sig.signed_at))).collect::<Vec<_>>().join("; ");
                            let state = if cert.valid { "signed" } else { "changed" };
                            view! {
                                <p id="certificate-status" data-state=state class=if cert.valid { "ok" } else { "alert" }>
                                    {if cert.valid { format!("Signed by {who}.") } else { format!("Signed by {who}, but the shipment's records no longer match what was signed.") }}
                                </p>
                            }.into_any()
                        } else {
                            view! {
                                <p id="certificate-status" data-state="unsigned" class="muted">"Not signed yet: EMS quality signs it once the shipment is packed."</p>
                            }.into_any()
                        }}
                        <p class="muted small">
                            {match cert.fai_report_id.clone() {
                                Some(fai) => view! { "Cites first article " <A href=format!("/fai/{fai}")>{fai.chars().take(8).collect::<String>()}</A> "." }.into_any(),
                                None => view! { "No approved first article for this revision." }.into_any(),
                            }}
                        </p>
                        {(!cert.signed && is_quality()).then(|| view! {
                            <button id="sign-certificate" type="button" class="button primary" on:click=move |_| signing.set(true)>"Sign the certificate"</button>
                        })}
                        {move || signing.get().then(|| {
                            let (shipment_id, hash) = (shipment_id.clone(), hash.clone());
                            view! {
                                <SignCertificateDialog shipment_id hash close=Callback::new(move |signed: bool| {
                                    signing.set(false);
                                    if signed {
                                        tick.update(|t| *t += 1);
                                    }
                                }) />
                            }
                        })}
                    </section>
                    <section class="card" aria-labelledby="cartons-title">
                        <h2 id="cartons-title">"Cartons"</h2>
                        <div class="table-wrap">
                            <table class="table" id="cartons">
                                <thead>
                                    <tr>
                                        <th scope="col" class="num">"Carton"</th>
                                        <th scope="col" class="num">"Pallet"</th>
                                        <th scope="col" class="num">"Weight (kg)"</th>
                                        <th scope="col" class="num">"Units"</th>
                                        <th scope="col">"Serials"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {s.cartons.into_iter().map(|c| view! {
                                        <tr data-testid="carton" data-carton=c.number.to_string()>
                                            <td class="num">{c.number}</td>
                                            <td class="num">{c.pallet.map(|p| p.to_string()).unwrap_or_default()}</td>
                                            <td class="num">{c.weight_kg.map(|w| format!("{w:.1}")).unwrap_or_default()}</td>
                                            <td class="num">{c.serials.len()}</td>
                                            <td class="mono small">{c.serials.join(" ")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </section>
                }.into_any()
            }
        }}
    }
}

/// EMS quality's signing dialog: what is certified, the content hash, and the password again.
#[component]
fn SignCertificateDialog(
    shipment_id: String,
    hash: String,
    close: Callback<bool>,
) -> impl IntoView {
    let session = Session::get();
    let password = RwSignal::new(String::new());
    let form_error = RwSignal::new(None::<String>);
    let sign = Action::new_local(move |vars: &sign_certificate::Variables| {
        session.run::<SignCertificate>(vars.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = sign.value().get() {
            close.run(true);
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if password.get_untracked().is_empty() {
            form_error.set(Some("Enter your password to sign.".to_owned()));
            return;
        }
        form_error.set(None);
        sign.dispatch(sign_certificate::Variables {
            shipment: shipment_id.clone(),
            password: password.get_untracked(),
        });
    };
    view! {
        <div class="dialog-backdrop" on:keydown=move |ev: KeyboardEvent| {
            if ev.key() == "Escape" {
                close.run(false);
            }
        }>
            <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="coc-sign-title" id="coc-sign-dialog">
                <h2 id="coc-sign-title">"Sign the certificate of conformance"</h2>
                <form class="form" on:submit=on_submit>
                    <p>"I certify that the units listed were built and inspected to the stated revision and standards and conform to the requirements of the order."</p>
                    <dl class="facts">
                        <dt>"Content hash (SHA-256)"</dt>
                        <dd class="mono small hash">{hash}</dd>
                    </dl>
                    <div class="field">
                        <label for="coc-password">"Your password"</label>
                        <input id="coc-password" type="password" autocomplete="current-password" bind:value=password />
                    </div>
                    <p class="muted small">"Signing records your printed name, the time and the hash above."</p>
                    {move || form_error.get().map(|m| view! { <p role="alert" class="alert">{m}</p> })}
                    {move || sign.value().get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })}
                    <div class="actions">
                        <button id="confirm-coc-sign" type="submit" class="button primary" disabled=sign.pending()>"Sign"</button>
                        <button type="button" class="button secondary" on:click=move |_| close.run(false)>"Cancel"</button>
                    </div>
                </form>
            </div>
        </div>
    }
}
