//! Which capabilities a GraphQL operation reaches, so that an API token limited to some
//! capabilities is refused the others before anything runs.
//!
//! Every selected field's type is looked up in the schema; the capability that type belongs to
//! ([`crate::policy::capability_of_type`]) must be granted READ, and WRITE for a mutation's own
//! fields. Fragments are followed. This is a check of the parsed document, not of each field as
//! it resolves: people and unlimited tokens pay nothing for it, and nothing runs before a
//! refusal.

use crate::error::ApiResult;
use crate::policy::{capability_of_type, require_capability};
use crate::schema::FirstpassSchema;
use crate::tenancy::Actor;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type, TypeKind,
    TypeSystemDefinition,
};
use firstpass_shared::domain::{Capability, Scope};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Deeper selections than this are not followed (the guard's size limit refuses them anyway).
const MAX_DEPTH: usize = 64;

/// The named type of every field of every object and interface of the schema.
#[derive(Debug, Default)]
pub struct FieldTypes {
    by_type: HashMap<String, HashMap<String, String>>,
}

impl FieldTypes {
    /// Reads them from the schema's SDL.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut by_type = HashMap::new();
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return Self::default();
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let fields = match definition.node.kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => interface.fields,
                _ => continue,
            };
            let fields = fields
                .into_iter()
                .map(|f| (f.node.name.node.to_string(), named(&f.node.ty.node)))
                .collect();
            by_type.insert(definition.node.name.node.to_string(), fields);
        }
        Self { by_type }
    }

    /// The named type of `parent.field`, if the schema has it.
    fn of(&self, parent: &str, field: &str) -> Option<&str> {
        self.by_type.get(parent)?.get(field).map(String::as_str)
    }
}

/// `[Build!]!` → `Build`.
fn named(ty: &Type) -> String {
    match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => named(inner),
    }
}

fn field_types(schema: &FirstpassSchema) -> &'static FieldTypes {
    static TYPES: OnceLock<FieldTypes> = OnceLock::new();
    TYPES.get_or_init(|| FieldTypes::from_sdl(&schema.sdl()))
}

/// Refuses, with `FORBIDDEN` naming the capability, an operation that reaches a capability the
/// actor's API token is not granted (with WRITE for a mutation's own fields). People and tokens
/// without capability limits pass at once.
pub fn check_operation(
    actor: &Actor,
    schema: &FirstpassSchema,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> ApiResult<()> {
    if actor.token_limits().is_none_or(|l| l.grants.is_empty()) {
        return Ok(());
    }
    let walk = Walk {
        types: field_types(schema),
        document,
    };
    let mut needed = BTreeMap::new();
    for (name, operation) in document.operations.iter() {
        if operation_name.is_some() && name.map(|n| n.as_str()) != operation_name {
            continue;
        }
        let (root, scope) = match operation.node.ty {
            OperationType::Query => ("Query", Scope::Read),
            OperationType::Mutation => ("Mutation", Scope::Write),
            OperationType::Subscription => ("Subscription", Scope::Read),
        };
        walk.set(
            &operation.node.selection_set.node,
            root,
            scope,
            &mut needed,
            0,
        );
    }
    needed
        .into_iter()
        .try_for_each(|(capability, scope)| require_capability(actor, capability, scope))
}

struct Walk<'a> {
    types: &'a FieldTypes,
    document: &'a ExecutableDocument,
}

impl Walk<'_> {
    /// Notes the capabilities `set` (on type `parent`) reaches; its own fields need `scope`,
    /// the fields below them READ.
    fn set(
        &self,
        set: &SelectionSet,
        parent: &str,
        scope: Scope,
        needed: &mut BTreeMap<Capability, Scope>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let Some(ty) = self.types.of(parent, field.node.name.node.as_str()) else {
                        continue;
                    };
                    if let Some(capability) = capability_of_type(ty) {
                        let entry = needed.entry(capability).or_insert(scope);
                        if scope == Scope::Write {
                            *entry = Scope::Write;
                        }
                    }
                    self.set(
                        &field.node.selection_set.node,
                        ty,
                        Scope::Read,
                        needed,
                        depth + 1,
                    );
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.set(
                            &fragment.node.selection_set.node,
                            on,
                            scope,
                            needed,
                            depth + 1,
                        );
                    }
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |t| t.node.on.node.as_str());
                    self.set(
                        &inline.node.selection_set.node,
                        on,
                        scope,
                        needed,
                        depth + 1,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a reader reaches from the root whatever its capabilities: the caller's own
    /// organization and people, its inbox, tokens, audit trail and webhooks (each guarded by
    /// its own rule), and plain values.
    const EVERY_READER: &[&str] = &[
        "User",
        "Organization",
        "Person",
        "Inbox",
        "ApiToken",
        "AuditEventConnection",
        "WebhookEndpoint",
        "WebhookDelivery",
        "StandardClass",
        "String",
        "Boolean",
        "Int",
        "Float",
        "ID",
    ];

    #[test]
    fn every_query_and_subscription_reaches_a_capability_or_is_for_every_reader() {
        let types = FieldTypes::from_sdl(include_str!("../../schema.graphql"));
        let mut unclassified = Vec::new();
        for root in ["Query", "Subscription"] {
            let fields = types.by_type.get(root).expect("root type");
            assert!(!fields.is_empty(), "{root} read from the schema");
            for (field, ty) in fields {
                if capability_of_type(ty).is_none() && !EVERY_READER.contains(&ty.as_str()) {
                    unclassified.push(format!("{root}.{field}: {ty}"));
                }
            }
        }
        unclassified.sort();
        assert!(
            unclassified.is_empty(),
            "give these types a capability in policy::capability_of_type: {unclassified:#?}"
        );
    }
}
