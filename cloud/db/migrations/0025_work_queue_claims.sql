-- Derived work is claimed for a while (a lease) in a short transaction of its own, instead of
-- being locked for as long as it is worked on: the ingesters' upserts of the same keys no
-- longer wait for the derive workers' transactions. A claim is the claimant's token and the
-- time it runs out (a worker killed meanwhile loses its claims when they run out). Work queued
-- on a claimed key widens the row's range as before (readers see the whole range as pending)
-- and is also noted in requeued_*, which is what remains queued when the claim is done.
ALTER TABLE work_queue
    ADD COLUMN claimed_by    uuid,
    ADD COLUMN claimed_until timestamptz,
    ADD COLUMN requeued      boolean NOT NULL DEFAULT false,
    ADD COLUMN requeued_from timestamptz,
    ADD COLUMN requeued_to   timestamptz;
