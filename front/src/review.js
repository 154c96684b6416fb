// The review page: a proof still being checked is kept on this phone (the pass page
// follows it from there); once decided, the page itself tells the answer.
import { forgetReview, keepReview } from "./kept-reviews.js";

const review = document.getElementById("review");
if (review) {
  const { reviewId, status, sentOn } = review.dataset;
  if (status === "pending") keepReview(reviewId, sentOn);
  else forgetReview(reviewId);
}
