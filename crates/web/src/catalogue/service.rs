//! What other features use of the catalogue: the links to a version's blank forms.

pub use super::forms::links as blank_form_links;
