//! `/units/:serial/tree`: a unit's place among units. Up: the boxes holding it now, to the
//! top-level unit, and every box it was ever in. Down: the sub-assemblies installed in it,
//! three levels deep, each with its installation history (who, when, and for removed ones
//! who removed it and why).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::box_ops::{unit_tree, UnitTree};
use crate::session::Session;
use crate::ui::{humanize, short_time, wire, ErrorLine, Loading};

/// One installation in the tree, whatever level of the query it came from.
#[derive(Debug, Clone)]
struct Node {
    installation: unit_tree::TreeInstallation,
    unit: unit_tree::TreeUnit,
    children: Vec<Node>,
}

fn level3(c: unit_tree::UnitTreeUnitChildrenChildChildrenChildChildren) -> Node {
    Node {
        installation: c.tree_installation,
        unit: c.child,
        children: Vec::new(),
    }
}

fn level2(c: unit_tree::UnitTreeUnitChildrenChildChildren) -> Node {
    Node {
        installation: c.tree_installation,
        unit: c.child.tree_unit,
        children: c.child.children.into_iter().map(level3).collect(),
    }
}

fn level1(c: unit_tree::UnitTreeUnitChildren) -> Node {
    Node {
        installation: c.tree_installation,
        unit: c.child.tree_unit,
        children: c.child.children.into_iter().map(level2).collect(),
    }
}

/// What a unit is, in one line.
fn describe(unit: &unit_tree::TreeUnit) -> String {
    let mut text = format!(
        "{} {} rev {} · {}",
        unit.build.product.part_number,
        unit.build.product.name,
        unit.build.package.revision,
        humanize(&wire(&unit.status))
    );
    if let Some(fw) = &unit.identity.firmware_version {
        text.push_str(&format!(" · firmware {fw}"));
    }
    if let Some(imei) = &unit.identity.imei {
        text.push_str(&format!(" · IMEI {imei}"));
    }
    text
}

/// When and by whom a unit went in, and, once removed, when, by whom and why it came out.
fn installation_words(i: &unit_tree::TreeInstallation) -> String {
    let mut text = format!(
        "installed {} by {}",
        short_time(&i.installed_at),
        i.installed_by
    );
    if let Some(at) = &i.removed_at {
        text.push_str(&format!(
            "; removed {} by {}: {}",
            short_time(at),
            i.removed_by.clone().unwrap_or_default(),
            i.removal_reason.clone().unwrap_or_default()
        ));
    }
    text
}

/// A list of installations and, under each, what is inside that unit.
fn tree_view(nodes: Vec<Node>) -> AnyView {
    if nodes.is_empty() {
        return ().into_any();
    }
    view! {
        <ul class="unit-tree">
            {nodes.into_iter().map(|n| {
                let serial = n.unit.serial.clone();
                let href = format!("/units/{serial}/tree");
                let label = serial.clone();
                let current = n.installation.current;
                view! {
                    <li data-testid="tree-node" data-serial=serial data-current=current.to_string()
                        class=if current { "current" } else { "removed muted" }>
                        <span class="mono">{n.installation.position.clone()}</span>
                        " · "
                        <A href=href><span class="mono">{label}</span></A>
                        " · "
                        {describe(&n.unit)}
                        <span class="badge">{if current { "Installed" } else { "Removed" }}</span>
                        <div class="small">{installation_words(&n.installation)}</div>
                        {tree_view(n.children)}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// `/units/:serial/tree`.
#[component]
pub fn UnitTreePage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let data = LocalResource::new(move || {
        let serial = params.with(|p| p.get("serial").unwrap_or_default());
        session.run::<UnitTree>(unit_tree::Variables { serial })
    });
    move || match data.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
        Some(Ok(d)) => {
            let u = d.unit;
            let serial = u.tree_unit.serial.clone();
            let mut above = Vec::new();
            let mut parent = u.parent.clone();
            // The chain of holders, innermost first, to the top-level unit.
            if let Some(p) = parent.take() {
                above.push(p.serial.clone());
                if let Some(p2) = p.parent {
                    above.push(p2.serial.clone());
                    if let Some(p3) = p2.parent {
                        above.push(p3.serial);
                    }
                }
            }
            let chain = if above.is_empty() {
                view! { <p id="tree-top" class="muted">"A top-level unit: it sits in no other."</p> }.into_any()
            } else {
                view! {
                    <p id="tree-up">
                        "Installed in "
                        {above.into_iter().map(|s| view! {
                            <A href=format!("/units/{s}/tree")><span class="mono" data-testid="tree-holder">{s.clone()}</span></A>
                            " "
                        }).collect_view()}
                    </p>
                }.into_any()
            };
            let ever_in = u
                .installed_in
                .iter()
                .map(|i| {
                    let href = format!("/units/{}/tree", i.parent.serial);
                    let holder = i.parent.serial.clone();
                    view! {
                        <tr data-testid="installed-in" data-current=i.tree_installation.current.to_string()>
                            <td><A href=href><span class="mono">{holder}</span></A></td>
                            <td class="mono">{i.tree_installation.position.clone()}</td>
                            <td>{installation_words(&i.tree_installation)}</td>
                        </tr>
                    }
                })
                .collect_view();
            let nodes: Vec<Node> = u.children.into_iter().map(level1).collect();
            let empty = nodes.is_empty();
            view! {
                <section class="card" aria-labelledby="tree-title">
                    <div class="card-head">
                        <h1 id="tree-title" class="mono">{serial.clone()}</h1>
                        <A href=format!("/units/{serial}")>"Unit page"</A>
                    </div>
                    <p class="muted">{describe(&u.tree_unit)}</p>
                    {chain}
                </section>
                <section class="card" aria-labelledby="tree-down-title">
                    <h2 id="tree-down-title">"Inside"</h2>
                    {if empty {
                        view! { <p class="muted" id="tree-empty">"No sub-assembly was ever installed in this unit."</p> }.into_any()
                    } else {
                        tree_view(nodes)
                    }}
                </section>
                <section class="card" aria-labelledby="tree-in-title">
                    <h2 id="tree-in-title">"Boxes it was installed in"</h2>
                    <div class="table-wrap">
                        <table class="table" id="tree-installed-in">
                            <thead><tr>
                                <th scope="col">"Box"</th>
                                <th scope="col">"Position"</th>
                                <th scope="col">"History"</th>
                            </tr></thead>
                            <tbody>{ever_in}</tbody>
                        </table>
                    </div>
                </section>
            }
            .into_any()
        }
    }
}
