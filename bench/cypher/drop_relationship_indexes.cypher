// mode: schema
// For the ceiling experiment only; the next reset + migrate puts them back.
DROP CONSTRAINT seen_on_bucket IF EXISTS;
DROP CONSTRAINT watched_pair IF EXISTS;
DROP INDEX seen_on_hour IF EXISTS;
DROP INDEX seen_on_day IF EXISTS;
DROP CONSTRAINT exposed_on_key IF EXISTS;
DROP INDEX exposed_on_day IF EXISTS
