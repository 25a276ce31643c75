//! Documents in and out, as pure functions of data: the catalogue as XLSX (and, as the product
//! grows, receipts as PDF, reports as XLSX and CSV, charts as SVG). No I/O, no database.

pub mod catalogue_xlsx;
pub mod chart;
pub mod register_xlsx;
pub mod report_export;
pub mod table;
