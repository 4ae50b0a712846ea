"""PostgreSQL: a constraint trigger, checked at commit, refuses any transaction whose legs do not
sum to zero per currency (as django-hordak does). SQLite relies on ``transaction_post``'s check."""

from django.db import migrations

from coopwork.core.migration_operations import RunSQLOnPostgreSQL

FORWARD = """
CREATE OR REPLACE FUNCTION ledger_check_zero_sum() RETURNS trigger AS $$
DECLARE
    txn_id bigint;
    bad record;
BEGIN
    IF TG_OP = 'DELETE' THEN txn_id := OLD.transaction_id; ELSE txn_id := NEW.transaction_id; END IF;
    SELECT currency, SUM(amount) AS total INTO bad
      FROM ledger_leg WHERE transaction_id = txn_id
      GROUP BY currency HAVING SUM(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not sum to zero in % (sum %)',
            txn_id, bad.currency, bad.total USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.transaction_id <> NEW.transaction_id THEN
        SELECT currency, SUM(amount) AS total INTO bad
          FROM ledger_leg WHERE transaction_id = OLD.transaction_id
          GROUP BY currency HAVING SUM(amount) <> 0 LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger transaction % does not sum to zero', OLD.transaction_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_leg_zero_sum
    AFTER INSERT OR UPDATE OR DELETE ON ledger_leg
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_zero_sum();

CREATE OR REPLACE FUNCTION ledger_leg_currency_matches() RETURNS trigger AS $$
BEGIN
    IF NEW.currency <> (SELECT currency FROM ledger_account WHERE id = NEW.account_id) THEN
        RAISE EXCEPTION 'leg currency % differs from its account''s', NEW.currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_leg_currency
    BEFORE INSERT OR UPDATE ON ledger_leg
    FOR EACH ROW EXECUTE FUNCTION ledger_leg_currency_matches();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS ledger_leg_zero_sum ON ledger_leg;
DROP FUNCTION IF EXISTS ledger_check_zero_sum();
DROP TRIGGER IF EXISTS ledger_leg_currency ON ledger_leg;
DROP FUNCTION IF EXISTS ledger_leg_currency_matches();
"""




class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [RunSQLOnPostgreSQL([FORWARD], [BACKWARD])]
